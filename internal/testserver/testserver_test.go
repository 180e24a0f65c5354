package testserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// dialFails reports whether nothing listens on addr any more.
func dialFails(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	conn.Close()
	return false
}

func TestRedisIsSharedAndAnswersPing(t *testing.T) {
	addr := Redis(t)
	if again := Redis(t); again != addr {
		t.Fatalf("second Redis call returned %s, want the shared %s", again, addr)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("address %s is not on 127.0.0.1", addr)
	}
	if err := probeOnce(addr, time.Now().Add(time.Second), pingRedis); err != nil {
		t.Fatalf("PING: %v", err)
	}
}

func TestRedisCLIWritesBytesTheServerReturns(t *testing.T) {
	addr := Redis(t)
	key := t.Name()
	if got := RedisCLI(t, addr, "SET", key, "not a serialized value"); got != "OK" {
		t.Fatalf("SET printed %q, want OK", got)
	}
	var got string
	err := withRedis(addr, time.Now().Add(time.Second), func(c *respConn) error {
		var err error
		got, err = c.doString("GET", key)
		return err
	})
	if err != nil || got != "not a serialized value" {
		t.Fatalf("GET = %q, %v; want the bytes redis-cli wrote", got, err)
	}
	if got := RedisCLI(t, addr, "LPUSH", key, "x"); !strings.HasPrefix(got, "WRONGTYPE") {
		t.Errorf("an error reply printed %q, want it returned as text", got)
	}
}

func TestMemcachedIsSharedAndAnswersVersion(t *testing.T) {
	addr := Memcached(t)
	if again := Memcached(t); again != addr {
		t.Fatalf("second Memcached call returned %s, want the shared %s", again, addr)
	}
	if err := probeOnce(addr, time.Now().Add(time.Second), memcachedVersion); err != nil {
		t.Fatalf("version: %v", err)
	}
}

func TestMemcachedCommandReturnsTheWholeResponse(t *testing.T) {
	addr := Memcached(t)
	key := strings.ReplaceAll(t.Name(), "/", "_")
	// The value holds the end marker the helper reads up to.
	value := "a\r\nMN\r\nb"
	tests := []struct {
		line, want string
	}{
		{fmt.Sprintf("set %s 7 0 %d\r\n%s", key, len(value), value), "STORED"},
		{"get " + key, fmt.Sprintf("VALUE %s 7 %d\r\n%s\r\nEND", key, len(value), value)},
		{fmt.Sprintf("mg %s v", key), fmt.Sprintf("VA %d\r\n%s", len(value), value)},
		{"get " + key + "-missing", "END"},
		{"delete " + key + " noreply", ""},
		{"get " + key, "END"},
		{"no-such-command", "ERROR"},
	}
	for _, tt := range tests {
		if got := MemcachedCommand(t, addr, tt.line); got != tt.want {
			t.Errorf("MemcachedCommand(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestRedisClusterIsOkAndCoversEverySlot(t *testing.T) {
	start := time.Now()
	addrs := RedisCluster(t)
	t.Logf("cluster ready in %v", time.Since(start))
	if len(addrs) != clusterSize {
		t.Fatalf("got %d nodes, want %d", len(addrs), clusterSize)
	}
	for _, addr := range addrs {
		var info string
		var slots any
		err := withRedis(addr, time.Now().Add(time.Second), func(c *respConn) error {
			var err error
			if info, err = c.doString("CLUSTER", "INFO"); err != nil {
				return err
			}
			slots, err = c.do("CLUSTER", "SLOTS")
			return err
		})
		if err != nil {
			t.Fatalf("node %s: %v", addr, err)
		}
		if !hasFields(info, []string{"cluster_state:ok", "cluster_known_nodes:3"}) {
			t.Errorf("node %s CLUSTER INFO:\n%s", addr, info)
		}
		covered, owners := countSlots(t, slots)
		if covered != clusterSlots || len(owners) != clusterSize {
			t.Errorf("node %s sees %d slots owned by %v, want %d slots on %d nodes",
				addr, covered, owners, clusterSlots, clusterSize)
		}
	}
	// Keys hashing to every node are routed and stored.
	for i := range 10 {
		key := fmt.Sprintf("%s-%d", t.Name(), i)
		if got := RedisCLI(t, addrs[0], "-c", "SET", key, "v"); got != "OK" {
			t.Fatalf("SET %s printed %q", key, got)
		}
	}
}

// countSlots sums the slot ranges of a CLUSTER SLOTS reply and collects the
// masters' ports.
func countSlots(t *testing.T, reply any) (int, map[int64]bool) {
	t.Helper()
	ranges, ok := reply.([]any)
	if !ok {
		t.Fatalf("CLUSTER SLOTS replied %T", reply)
	}
	covered, owners := 0, map[int64]bool{}
	for _, r := range ranges {
		r, ok := r.([]any)
		if !ok || len(r) < 3 {
			t.Fatalf("CLUSTER SLOTS range %v", r)
		}
		first, _ := r[0].(int64)
		last, _ := r[1].(int64)
		master, _ := r[2].([]any)
		if len(master) < 2 {
			t.Fatalf("CLUSTER SLOTS master %v", r[2])
		}
		port, _ := master[1].(int64)
		covered += int(last - first + 1)
		owners[port] = true
	}
	return covered, owners
}

func TestStopEndsEveryServerAndRemovesItsFiles(t *testing.T) {
	var g group
	start := time.Now()
	redisAddr, err := startRedis(&g, freePort)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("redis-server ready in %v", time.Since(start))
	start = time.Now()
	memcachedAddr, err := startMemcached(&g, freePort)
	if err != nil {
		g.stop()
		t.Fatal(err)
	}
	t.Logf("memcached ready in %v", time.Since(start))
	procs, dirs := g.procs, g.dirs

	start = time.Now()
	if err := g.stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped in %v", time.Since(start))
	for _, p := range procs {
		select {
		case <-p.done:
		default:
			t.Errorf("%s (pid %d) still running after stop", p.name, p.cmd.Process.Pid)
		}
	}
	for _, addr := range []string{redisAddr, memcachedAddr} {
		if !dialFails(addr) {
			t.Errorf("%s still accepts connections after stop", addr)
		}
	}
	for _, dir := range dirs {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("directory %s left behind: %v", dir, err)
		}
	}
	if _, err := startRedis(&g, freePort); !errors.Is(err, errStopped) {
		t.Errorf("start after stop: %v, want %v", err, errStopped)
	}
	if err := g.stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
}

func TestMissingBinaryFailsWithInstallCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var g group
	defer g.stop()
	starts := map[string]func() error{
		"apt-get install redis-server": func() error { _, err := startRedis(&g, freePort); return err },
		"apt-get install memcached":    func() error { _, err := startMemcached(&g, freePort); return err },
	}
	for hint, start := range starts {
		err := start()
		if !errors.Is(err, errNotInstalled) || !strings.Contains(err.Error(), hint) {
			t.Errorf("start without binary: %v; want %v naming %q", err, errNotInstalled, hint)
		}
	}
	if _, err := startCluster(&g); !errors.Is(err, errNotInstalled) {
		t.Errorf("cluster start without binary: %v; want %v", err, errNotInstalled)
	}
}

func TestFailedStartIsNotRetried(t *testing.T) {
	var l lazy[string]
	calls := 0
	boom := errors.New("boom")
	for range 3 {
		_, err := l.get(func() (string, error) { calls++; return "", boom })
		if !errors.Is(err, boom) {
			t.Fatalf("get: %v, want %v", err, boom)
		}
	}
	if calls != 1 {
		t.Errorf("start called %d times, want 1", calls)
	}
}

func TestServerThatExitsIsReportedWithItsOutput(t *testing.T) {
	bin, err := lookPath("redis-server", "redis-server")
	if err != nil {
		t.Fatal(err)
	}
	var g group
	defer g.stop()
	dir, err := g.mkdirTemp("test")
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.start(command{dir: dir, log: "redis.log", path: bin, args: []string{"--port", "not-a-port"}})
	if err != nil {
		t.Fatal(err)
	}
	err = p.waitReady("127.0.0.1:1", pingRedis)
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "not-a-port") {
		t.Fatalf("waitReady: %v; want an exit error quoting the server's output", err)
	}
}

func TestStartMovesToAnotherPortWhenItsPortIsTaken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	calls := 0
	ports := func() (int, error) {
		calls++
		if calls == 1 {
			return busyPort, nil
		}
		return freePort()
	}
	var g group
	defer g.stop()
	addr, err := startMemcached(&g, ports)
	if err != nil {
		t.Fatal(err)
	}
	if addr == addrOf(busyPort) || calls != 2 {
		t.Errorf("started on %s after %d port choices; want a second, free port", addr, calls)
	}
}

func TestClusterPortsLeaveTheirBusPortsFree(t *testing.T) {
	ports, err := freeClusterPorts(clusterSize)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		bus := p + clusterBusOffset
		if bus > 65535 || seen[p] || seen[bus] {
			t.Errorf("ports %v: %d cannot have its bus port %d", ports, p, bus)
		}
		seen[p], seen[bus] = true, true
	}
}

func TestSweepRemovesDirectoriesOfDeadBinariesOnly(t *testing.T) {
	// A process that has exited and been reaped stands for a crashed
	// test binary.
	bin, err := lookPath("redis-server", "redis-server")
	if err != nil {
		t.Fatal(err)
	}
	dead := exec.Command(bin, "--version")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadDir, err := os.MkdirTemp("", fmt.Sprintf("%stest-%d-*", tempDirPrefix, dead.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(deadDir)
	liveDir, err := os.MkdirTemp("", fmt.Sprintf("%stest-%d-*", tempDirPrefix, os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(liveDir)

	sweepTempDirs()
	if _, err := os.Stat(deadDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory of a dead binary kept: %v", err)
	}
	if _, err := os.Stat(liveDir); err != nil {
		t.Errorf("directory of a running binary removed: %v", err)
	}
}
