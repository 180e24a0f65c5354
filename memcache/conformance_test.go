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
	"github.com/cachekit/cachekit/lock/locktest"
)

func TestConformance(t *testing.T) {
	h := cachetest.Harness{
		New: func(t testing.TB) cache.Store {
			client := gm.New(testserver.Memcached(t))
			client.MaxIdleConns = 16
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
			// The store maps the key (a namespaced one to its current
			// generation); the write bypasses it.
			client := gm.New(testserver.Memcached(t))
			defer client.Close()
			s := New(client, Options{})
			defer s.Close()
			mkey, err := s.writeKey(t.Context(), "raw", key)
			if ns, _, ok := strings.Cut(key, ":"); ok {
				// A namespaced key of a cache; the suite writes no key with
				// ':' through a cache without a namespace.
				mkey, err = s.Namespace(ns).(*Store).writeKey(t.Context(), "raw", key)
			}
			if err != nil {
				t.Fatal(err)
			}
			resp := testserver.MemcachedCommand(t, testserver.Memcached(t), fmt.Sprintf("set %s 0 0 %d\r\n%s", mkey, len(val), val))
			if resp != "STORED" {
				t.Fatalf("raw set %q: %s", key, resp)
			}
		},
	}
	cachetest.Run(t, h)
	locktest.Run(t, h)
}
