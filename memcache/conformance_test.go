package memcache

import (
	"fmt"
	"strings"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/loader/loadertest"
	"github.com/cachekit/cachekit/lock/locktest"
)

func TestConformance(t *testing.T) {
	h := cachetest.Harness{
		New: func(t testing.TB) cache.Store {
			client := gm.New(testserver.Memcached(t))
			client.MaxIdleConns = 16
			// The storms of the suites delay a goroutine by up to a second
			// on a loaded machine (-race, two cores shared): gomemcache's
			// 500ms would fail a dial there that nothing else is wrong with.
			client.Timeout = 5 * time.Second
			t.Cleanup(func() { _ = client.Close() })
			return New(client, Options{})
		},
		Shared: true,
		Dead: func(t testing.TB) cache.Store {
			addr, kill := testserver.Proxy(t, testserver.Memcached(t))
			client := gm.New(addr)
			t.Cleanup(func() { _ = client.Close() })
			s := New(client, Options{})
			if err := s.Set(t.Context(), "alive", []byte("1"), 0); err != nil {
				t.Fatal(err)
			}
			kill()
			return s
		},
		Slow: func(t testing.TB, delay time.Duration) cache.Store {
			addr, _ := testserver.ProxyWith(t, testserver.Memcached(t), testserver.ProxyOptions{Delay: delay})
			client := gm.New(addr)
			client.Timeout = 2 * delay
			t.Cleanup(func() { _ = client.Close() })
			return New(client, Options{})
		},
		TTLResolution: time.Second,
		MaxValueSize:  DefaultMaxItemSize - maxItemOverhead,
		WriteRaw: func(t testing.TB, key string, val []byte) {
			resp := testserver.MemcachedCommand(t, testserver.Memcached(t), fmt.Sprintf("set %s 0 0 %d\r\n%s", memcachedKey(t, key), len(val), val))
			if resp != "STORED" {
				t.Fatalf("raw set %q: %s", key, resp)
			}
		},
		DeleteRaw: func(t testing.TB, key string) {
			resp := testserver.MemcachedCommand(t, testserver.Memcached(t), "delete "+memcachedKey(t, key))
			if resp != "DELETED" && resp != "NOT_FOUND" {
				t.Fatalf("raw delete %q: %s", key, resp)
			}
		},
	}
	cachetest.Run(t, h)
	locktest.Run(t, h)
	loadertest.Run(t, h)
}

// memcachedKey returns the memcached key under which the store keeps key:
// that of a namespace's current generation for a key with ':' (the suites
// write no key with ':' through a cache without a namespace).
func memcachedKey(t testing.TB, key string) string {
	client := gm.New(testserver.Memcached(t))
	defer client.Close()
	s := New(client, Options{})
	defer s.Close()
	if ns, _, ok := strings.Cut(key, ":"); ok {
		s = s.Namespace(ns).(*Store)
	}
	mkey, err := s.writeKey(t.Context(), "raw", key)
	if err != nil {
		t.Fatal(err)
	}
	return mkey
}
