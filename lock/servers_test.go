package lock_test

import (
	"crypto/rand"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	ckmemcache "github.com/cachekit/cachekit/memcache"
	ckredis "github.com/cachekit/cachekit/rueidis"
)

// backend is a server kind that the lock tests run against with real
// store instances.
type backend struct {
	name string
	// addr starts (once per test binary) the server and returns its address.
	addr func(tb testing.TB) string
	// open returns a new store instance, with its own client, on the server
	// at addr; both are closed when tb ends.
	open func(tb testing.TB, addr string) cache.Store
	// wakeWithin is how promptly a waiter on another instance must wake.
	wakeWithin time.Duration
}

var backends = []backend{
	{name: "redis", addr: testserver.Redis, open: openRedis, wakeWithin: 100 * time.Millisecond},
	{name: "memcached", addr: testserver.Memcached, open: openMemcached, wakeWithin: 500 * time.Millisecond},
}

func backendNamed(name string) (backend, bool) {
	for _, b := range backends {
		if b.name == name {
			return b, true
		}
	}
	return backend{}, false
}

func openRedis(tb testing.TB, addr string) cache.Store {
	tb.Helper()
	client, err := rd.NewClient(rd.ClientOption{InitAddress: []string{addr}})
	if err != nil {
		tb.Fatalf("redis client: %v", err)
	}
	s := ckredis.New(client, ckredis.Options{})
	tb.Cleanup(func() {
		_ = s.Close()
		client.Close()
	})
	return s
}

func openMemcached(tb testing.TB, addr string) cache.Store {
	tb.Helper()
	client := gm.New(addr)
	client.MaxIdleConns = 16
	client.Timeout = 2 * time.Second
	s := ckmemcache.New(client, ckmemcache.Options{})
	tb.Cleanup(func() {
		_ = s.Close()
		_ = client.Close()
	})
	return s
}

// uniqueNamespace returns a namespace no other test (or earlier run on the
// same server) uses, so that tests sharing a server need not clear it.
func uniqueNamespace() string { return "t" + rand.Text() }
