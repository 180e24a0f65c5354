package testserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// memcachedCommandTimeout bounds one MemcachedCommand call.
const memcachedCommandTimeout = 5 * time.Second

var memcachedServer lazy[string]

// Memcached returns the address ("127.0.0.1:port") of a memcached shared by
// the whole test binary, starting it on the first call. It fails tb if the
// server cannot be started, for example when memcached is not installed.
func Memcached(tb testing.TB) string {
	tb.Helper()
	addr, err := memcachedServer.get(func() (string, error) { return startMemcached(&servers, freePort) })
	if err != nil {
		tb.Fatal(err)
	}
	return addr
}

// memcachedArgs are the flags of memcached: loopback TCP only, no UDP, 64 MB
// of memory. memcached refuses to run as root unless told which user to be.
func memcachedArgs(port int) []string {
	args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-m", "64", "-c", "4096"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	return args
}

// startMemcached starts a memcached in g on a port from port and waits until
// it answers "version". memcached notices SIGTERM only once a second, so it
// is stopped with SIGKILL.
func startMemcached(g *group, port func() (int, error)) (string, error) {
	return g.startServer(serverSpec{
		bin: "memcached", pkg: "memcached", name: "memcached", kill: true,
		args:  func(port int, _ string) []string { return memcachedArgs(port) },
		ready: memcachedVersion,
	}, port)
}

// memcachedVersion is the readiness probe of memcached.
func memcachedVersion(conn net.Conn) error {
	if _, err := io.WriteString(conn, "version\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "VERSION ") {
		return fmt.Errorf("%w: version replied %q", errProtocol, line)
	}
	return nil
}

// MemcachedCommand sends one text-protocol command to the memcached at addr
// and returns the server's whole response without its final "\r\n"; the lines
// of a longer response stay separated by "\r\n", as on the wire. line is the
// command without its final "\r\n"; a storage command carries its data block
// after an inner "\r\n":
//
//	testserver.MemcachedCommand(t, addr, "set k 0 0 3\r\nabc") // "STORED"
//	testserver.MemcachedCommand(t, addr, "get k")              // "VALUE k 0 3\r\nabc\r\nEND"
//
// Error responses ("ERROR", "CLIENT_ERROR ...") are returned, not failed on.
// Commands with noreply return "". MemcachedCommand fails tb only when the
// server cannot be reached or does not answer within five seconds. It needs
// memcached 1.6 or later.
func MemcachedCommand(tb testing.TB, addr, line string) string {
	tb.Helper()
	resp, err := memcachedCommand(addr, line)
	if err != nil {
		tb.Fatalf("testserver: memcached command %q: %v", firstLine(line), err)
	}
	return resp
}

// memcachedCommand sends line followed by the meta no-op "mn", whose "MN"
// reply marks the end of line's response whatever the command was.
func memcachedCommand(addr, line string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, memcachedCommandTimeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(memcachedCommandTimeout)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(conn, line+"\r\nmn\r\n"); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	var resp strings.Builder
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			if resp.Len() > 0 {
				err = fmt.Errorf("%w after %q", err, resp.String())
			}
			return "", err
		}
		if l == "MN\r\n" {
			return strings.TrimSuffix(resp.String(), "\r\n"), nil
		}
		resp.WriteString(l)
		// A value's data block may hold anything, "MN" included: copy
		// it by its length rather than by lines.
		n, ok := dataBlockLen(l)
		if !ok {
			continue
		}
		if _, err := io.CopyN(&resp, r, int64(n)+2); err != nil {
			return "", err
		}
	}
}

// dataBlockLen returns the length of the data block that follows a response
// line: "VALUE <key> <flags> <bytes> [<cas>]" or the meta "VA <bytes> ...".
func dataBlockLen(line string) (int, bool) {
	f := strings.Fields(line)
	var size string
	switch {
	case len(f) >= 4 && f[0] == "VALUE":
		size = f[3]
	case len(f) >= 2 && f[0] == "VA":
		size = f[1]
	default:
		return 0, false
	}
	n, err := strconv.Atoi(size)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\r\n")
	return first
}
