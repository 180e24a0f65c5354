package testserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// tempDirPrefix starts the name of every temporary directory of a server.
// The name goes on with the kind of server and the id of the test binary
// process: "testserver-redis-1234-567890".
const tempDirPrefix = "testserver-"

// sweepOnce removes, once per test binary, the directories left behind by
// test binaries that died before they could remove them.
var sweepOnce sync.Once

// mkdirTemp makes a temporary directory for a server of the given kind that
// stop removes.
func (g *group) mkdirTemp(kind string) (string, error) {
	sweepOnce.Do(sweepTempDirs)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return "", errStopped
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%s-%d-*", tempDirPrefix, kind, os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("testserver: %w", err)
	}
	g.dirs = append(g.dirs, dir)
	return dir, nil
}

// sweepTempDirs removes the server directories whose test binary no longer
// runs. A directory whose binary's id was reused by a live process is kept;
// it is tiny.
func sweepTempDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempDirPrefix+"*"))
	for _, dir := range dirs {
		pid, ok := ownerPID(filepath.Base(dir))
		if ok && pid != os.Getpid() && !processExists(pid) {
			_ = os.RemoveAll(dir)
		}
	}
}

// ownerPID extracts the process id from a directory name made by mkdirTemp.
func ownerPID(name string) (int, bool) {
	fields := strings.Split(strings.TrimPrefix(name, tempDirPrefix), "-")
	if len(fields) != 3 {
		return 0, false
	}
	pid, err := strconv.Atoi(fields[1])
	return pid, err == nil && pid > 0
}
