package faults

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The parent test passes its child processes what they need through these
// environment variables; a test binary started with childEnv set is a
// child, which runs the part of the test named by its value.
const (
	childEnv       = "CACHEKIT_FAULTS_CHILD"
	childRemoteEnv = "CACHEKIT_FAULTS_REMOTE"
	childAddrsEnv  = "CACHEKIT_FAULTS_ADDRS"
	childViaEnv    = "CACHEKIT_FAULTS_VIA"
	childNSEnv     = "CACHEKIT_FAULTS_NAMESPACE"
)

// child is a test binary started again as a child process.
type child struct {
	cmd    *exec.Cmd
	out    output // its stderr, and its stdout as it is read
	stdout io.ReadCloser
}

// output collects what a child writes, from the goroutine of exec that
// copies its stderr and from the reader of its stdout.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// childSpec says what a child works on.
type childSpec struct {
	role, remote, ns string
	addrs            []string
	via              map[string]string
}

// startChild runs the test named test again in a new process as a child
// with spec. Its stdout is read with lines or wait.
func startChild(t *testing.T, ctx context.Context, test string, spec childSpec) *child {
	t.Helper()
	ch := &child{cmd: exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.timeout=2m")}
	var via []string
	for a, p := range spec.via {
		via = append(via, a+"="+p)
	}
	sort.Strings(via)
	ch.cmd.Env = append(os.Environ(),
		childEnv+"="+spec.role, childRemoteEnv+"="+spec.remote, childNSEnv+"="+spec.ns,
		childAddrsEnv+"="+strings.Join(spec.addrs, ","), childViaEnv+"="+strings.Join(via, ","))
	ch.cmd.Stderr = &ch.out
	var err error
	if ch.stdout, err = ch.cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := ch.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return ch
}

// lines sends each line the child writes to its stdout on the returned
// channel, closed at the end of its output. Call it at most once.
func (ch *child) lines() <-chan string {
	out := make(chan string, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(ch.stdout)
		for sc.Scan() {
			_, _ = ch.out.Write([]byte(sc.Text() + "\n"))
			out <- sc.Text()
		}
	}()
	return out
}

// report waits for the child and returns the values it printed on its
// line starting with prefix ("child acked=3 failed=1": prefix "child").
func (ch *child) report(t *testing.T, prefix, format string, args ...any) {
	t.Helper()
	found := false
	for line := range ch.lines() {
		if strings.HasPrefix(line, prefix+" ") {
			if _, err := fmt.Sscanf(line, format, args...); err == nil {
				found = true
			}
		}
	}
	if err := ch.cmd.Wait(); err != nil {
		t.Fatalf("child failed: %v\n%s", err, ch.out.String())
	}
	if !found {
		t.Fatalf("child did not report %q:\n%s", prefix, ch.out.String())
	}
}

// childSpecFromEnv is the spec of this process, a child.
func childSpecFromEnv(t *testing.T) (childSpec, remote) {
	spec := childSpec{
		role: os.Getenv(childEnv), remote: os.Getenv(childRemoteEnv), ns: os.Getenv(childNSEnv),
		addrs: strings.Split(os.Getenv(childAddrsEnv), ","), via: map[string]string{},
	}
	if v := os.Getenv(childViaEnv); v != "" {
		for _, pair := range strings.Split(v, ",") {
			a, p, _ := strings.Cut(pair, "=")
			spec.via[a] = p
		}
	}
	r, ok := remoteNamed(spec.remote)
	if !ok {
		t.Fatalf("unknown remote %q", spec.remote)
	}
	return spec, r
}
