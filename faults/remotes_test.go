package faults

import (
	"context"
	"crypto/tls"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	ckmemcache "github.com/cachekit/cachekit/memcache"
	ckredis "github.com/cachekit/cachekit/rueidis"
)

// remote is a kind of server the fault tests run on.
type remote struct {
	name string
	// own starts a server of the test's own, to kill and restart.
	own func(testing.TB) *testserver.Server
	// shared returns the addresses of the binary's shared server (the
	// masters of a Cluster).
	shared func(testing.TB) []string
	// open returns a store with a client of its own on the server at
	// addrs, whose connections to a server address go to via[address]
	// instead when via has it (a proxy). close closes the store and the
	// client, and waits for what they can wait for.
	open func(tb testing.TB, addrs []string, via map[string]string) (s cache.Store, close func())
}

// clientAttempts bounds the attempts to make a Redis client.
const clientAttempts = 20

var remotes = []remote{
	{name: "redis", own: testserver.StartRedis, open: openRedis,
		shared: func(tb testing.TB) []string { return []string{testserver.Redis(tb)} }},
	{name: "cluster", own: testserver.StartRedisCluster1, open: openRedis, shared: testserver.RedisCluster},
	{name: "memcached", own: testserver.StartMemcached, open: openMemcached,
		shared: func(tb testing.TB) []string { return []string{testserver.Memcached(tb)} }},
}

func remoteNamed(name string) (remote, bool) {
	for _, r := range remotes {
		if r.name == name {
			return r, true
		}
	}
	return remote{}, false
}

func openRedis(tb testing.TB, addrs []string, via map[string]string) (cache.Store, func()) {
	tb.Helper()
	opt := rd.ClientOption{InitAddress: addrs}
	if len(via) > 0 {
		// rueidis' own retries stay on: the store builds its commands so
		// that rueidis never retries them by itself (see do in package
		// rueidis), or -race would report rueidis recycling a retried
		// command that the broken connection's writer still reads.
		opt.DialCtxFn = func(ctx context.Context, dst string, d *net.Dialer, _ *tls.Config) (net.Conn, error) {
			if p, ok := via[dst]; ok {
				dst = p
			}
			return d.DialContext(ctx, "tcp", dst)
		}
	}
	// A client's first connection may meet the faults of a proxy (a
	// reset handshake): that is no failure of the store, so try again.
	var (
		client rd.Client
		err    error
	)
	for range clientAttempts {
		if client, err = rd.NewClient(opt); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("redis client on %v (%d attempts): %v", addrs, clientAttempts, err)
	}
	s := ckredis.New(client, ckredis.Options{})
	return s, func() {
		_ = s.Close()
		client.Close()
	}
}

func openMemcached(tb testing.TB, addrs []string, via map[string]string) (cache.Store, func()) {
	tb.Helper()
	targets := make([]string, len(addrs))
	for i, a := range addrs {
		targets[i] = a
		if p, ok := via[a]; ok {
			targets[i] = p
		}
	}
	client := gm.New(targets...)
	client.MaxIdleConns = 32
	client.Timeout = time.Second
	s := ckmemcache.New(client, ckmemcache.Options{})
	return s, func() {
		_ = s.Close() // waits for the calls it left running
		_ = client.Close()
	}
}

// proxies puts a proxy with opts in front of each of addrs and returns the
// map of each address to its proxy.
func proxies(tb testing.TB, addrs []string, opts testserver.ProxyOptions) map[string]string {
	via := make(map[string]string, len(addrs))
	for _, a := range addrs {
		via[a], _ = testserver.ProxyWith(tb, a, opts)
	}
	return via
}

// settleGoroutines waits until no more than baseline goroutines run, for
// at most d, and returns how many run then. Nothing tells when a closed
// client's last goroutine has ended (rueidis lets some linger for a
// moment), so it looks every few milliseconds.
func settleGoroutines(baseline int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// goroutineDump returns the stacks of every goroutine, for a failure.
func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return strings.TrimSpace(string(buf[:runtime.Stack(buf, true)]))
}
