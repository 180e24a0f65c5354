package testserver

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestHoldHoldsTheRepliesToTheRequestsItNames sends memcached requests
// through a proxy with a Hold: the reply to a request the hold names waits
// until End, and is lost if the connection is dropped first; the replies
// to other requests, and every reply before Start and after End, go
// through at once.
func TestHoldHoldsTheRepliesToTheRequestsItNames(t *testing.T) {
	hold := new(Hold)
	addr, drop, _ := ProxyWithDrop(t, Memcached(t), ProxyOptions{Hold: hold})
	key := strings.ReplaceAll(t.Name(), "/", "_")
	conn := dialProxy(t, addr)
	// roundTrip sends line and returns the reply's first line.
	roundTrip := func(c *proxyConn, line string) (string, error) {
		if _, err := c.WriteString(line + "\r\n"); err != nil {
			return "", err
		}
		if err := c.Flush(); err != nil {
			return "", err
		}
		reply, err := c.ReadString('\n')
		return strings.TrimSpace(reply), err
	}
	if got, err := roundTrip(conn, "set "+key+" 0 0 1\r\nv"); err != nil || got != "STORED" {
		t.Fatalf("set before the hold: %q, %v", got, err)
	}

	hold.Start("set ")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second)) // a reply held by mistake fails the test
	if got, err := roundTrip(conn, "touch "+key+" 0"); err != nil || got != "TOUCHED" {
		t.Fatalf("a request the hold does not name: %q, %v; want its reply at once", got, err)
	}
	// A held reply does not come: the read gives up. (Were it not held,
	// it would come within microseconds; a read that waits longer only
	// lets a broken hold pass, it never fails a working one.)
	held := make(chan error, 1)
	go func() {
		_, err := roundTrip(conn, "set "+key+" 0 0 1\r\nw")
		held <- err
	}()
	if got, ok := rawGetUntil(t, key, "w"); !ok {
		t.Fatalf("the held set never reached memcached (it holds %q)", got)
	}
	_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if err := <-held; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the reply to a held set came: %v", err)
	}
	// Dropped while held, the reply is lost with its connection.
	drop()
	hold.End()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if reply, err := conn.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after the drop, the held connection read %q, %v; want it closed", reply, err)
	}

	// After End, replies go through at once again, on a new connection.
	again := dialProxy(t, addr)
	if got, err := roundTrip(again, "set "+key+" 0 0 1\r\nx"); err != nil || got != "STORED" {
		t.Fatalf("set after the hold: %q, %v", got, err)
	}
}

// proxyConn is a connection to a proxy, buffered both ways.
type proxyConn struct {
	net.Conn
	*bufio.ReadWriter
}

// dialProxy connects to the proxy at addr, and closes the connection when
// t ends.
func dialProxy(t *testing.T, addr string) *proxyConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial the proxy: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &proxyConn{c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c))}
}

// rawGetUntil reads key from the test memcached directly (not through a
// proxy) until it holds want or 5 s have passed, and returns what it last
// held and whether that was want.
func rawGetUntil(t *testing.T, key, want string) (string, bool) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		reply := MemcachedCommand(t, Memcached(t), "get "+key)
		lines := strings.Split(reply, "\r\n")
		if len(lines) >= 2 {
			got = lines[1]
		}
		if got == want {
			return got, true
		}
	}
	return got, false
}
