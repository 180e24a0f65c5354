package testserver

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestKilledServerRestartsOnItsPortWithoutItsData(t *testing.T) {
	for name, start := range map[string]func(testing.TB) *Server{
		"redis": StartRedis, "memcached": StartMemcached, "cluster1": StartRedisCluster1,
	} {
		t.Run(name, func(t *testing.T) {
			s := start(t)
			addr := s.Addr()
			if addr == Redis(t) || addr == Memcached(t) {
				t.Fatalf("%s: got the shared server %s", name, addr)
			}
			set, get, want := "SET k v", "GET k", "v"
			if name == "memcached" {
				set, get, want = "set k 0 0 1\r\nv", "get k", "VALUE k 0 1\r\nv\r\nEND"
			}
			if got := sendCommand(t, name, addr, set); got != "OK" && got != "STORED" {
				t.Fatalf("%s: %q", set, got)
			}
			s.Kill()
			s.Kill() // idempotent
			if !dialFails(addr) {
				t.Fatalf("%s still accepts connections after Kill", addr)
			}
			s.Restart(t)
			if s.Addr() != addr {
				t.Fatalf("restarted on %s, want %s", s.Addr(), addr)
			}
			if got := sendCommand(t, name, addr, get); got == want {
				t.Errorf("%q after a kill: %q, the data survived", get, got)
			}
			if name == "cluster1" {
				info := sendCommand(t, name, addr, "CLUSTER INFO")
				if !hasFields(info, []string{"cluster_state:ok", "cluster_slots_ok:16384"}) {
					t.Errorf("after Restart, CLUSTER INFO:\n%s", info)
				}
			}
			s.Restart(t) // a running server: nothing happens
		})
	}
}

// sendCommand sends one command to a Redis (words split on spaces) or
// memcached server and returns its reply.
func sendCommand(t *testing.T, kind, addr, line string) string {
	t.Helper()
	if kind == "memcached" {
		return MemcachedCommand(t, addr, line)
	}
	var reply string
	err := withRedis(addr, time.Now().Add(5*time.Second), func(c *respConn) error {
		v, err := c.do(strings.Fields(line)...)
		if err != nil {
			var re respError
			if errors.As(err, &re) {
				reply = err.Error()
				return nil
			}
			return err
		}
		switch v := v.(type) {
		case string:
			reply = v
		case []byte:
			reply = string(v)
		case nil:
			reply = "(nil)"
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s %q: %v", addr, line, err)
	}
	return reply
}

func TestProxyResetsConnectionsAtItsRate(t *testing.T) {
	addr := Memcached(t)
	var resets atomic.Int64
	always, killAlways := ProxyWith(t, addr, ProxyOptions{ResetRate: 1, OnReset: func() { resets.Add(1) }})
	conn, err := net.DialTimeout("tcp", always, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "version\r\n"); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Read(make([]byte, 64))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read through a proxy that resets everything: %v, want ECONNRESET", err)
	}
	killAlways() // waits for the proxy's goroutines, OnReset's calls included
	if resets.Load() != 1 {
		t.Errorf("OnReset called %d times, want 1", resets.Load())
	}

	// At 30%, some of 100 connections answer and some are reset.
	resets.Store(0)
	some, killSome := ProxyWith(t, addr, ProxyOptions{ResetRate: 0.3, OnReset: func() { resets.Add(1) }})
	answered := 0
	for range 100 {
		if _, err := memcachedCommand(some, "version"); err == nil {
			answered++
		}
	}
	killSome()
	if answered == 0 || answered == 100 || resets.Load() == 0 {
		t.Errorf("at a reset rate of 0.3: %d of 100 answered, %d resets", answered, resets.Load())
	}
}
