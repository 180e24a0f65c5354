package testserver

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisCLITimeout bounds one RedisCLI call.
const redisCLITimeout = 10 * time.Second

var standalone lazy[string]

// Redis returns the address ("127.0.0.1:port") of a standalone redis-server
// shared by the whole test binary, starting it on the first call. It fails tb
// if the server cannot be started, for example when redis-server is not
// installed.
func Redis(tb testing.TB) string {
	tb.Helper()
	addr, err := standalone.get(func() (string, error) { return startRedis(&servers, freePort) })
	if err != nil {
		tb.Fatal(err)
	}
	return addr
}

// redisArgs are the flags of every redis-server: loopback only, nothing
// written to disk, dir as working directory, and only warnings logged.
func redisArgs(port int, dir string) []string {
	return []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--daemonize", "no",
		"--loglevel", "warning",
	}
}

// startRedis starts a standalone redis-server in g on a port from port and
// waits until it answers PING.
func startRedis(g *group, port func() (int, error)) (string, error) {
	return g.startServer(serverSpec{
		bin: "redis-server", pkg: "redis-server", name: "redis",
		args: redisArgs, ready: pingRedis,
	}, port)
}

// RedisCLI runs redis-cli against the server at addr with args (options such
// as -c may come first, then the command) and returns its output without the
// trailing newlines. Replies are printed as redis-cli prints them when its
// output is not a terminal: an error reply comes back as text ("ERR ...",
// "WRONGTYPE ..."), not as a failure. RedisCLI fails tb only when redis-cli is
// missing, cannot reach the server or exits with an error.
func RedisCLI(tb testing.TB, addr string, args ...string) string {
	tb.Helper()
	bin, err := lookPath("redis-cli", "redis-tools")
	if err != nil {
		tb.Fatalf("testserver: %v", err)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatalf("testserver: redis-cli: bad address %q: %v", addr, err)
	}
	// A server that does not reply would otherwise hang the test.
	ctx, cancel := context.WithTimeout(context.Background(), redisCLITimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-h", host, "-p", port}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Run(); err != nil {
		tb.Fatalf("testserver: redis-cli %s: %v: %s", strings.Join(args, " "), err,
			bytes.TrimSpace(append(stderr.Bytes(), stdout.Bytes()...)))
	}
	return strings.TrimRight(stdout.String(), "\n")
}
