package benchmarks

import (
	"context"
	"fmt"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	ckmemcache "github.com/cachekit/cachekit/memcache"
	"github.com/cachekit/cachekit/serializer"
)

// BenchmarkMemcachedKeys reads keys of the shape "user:NNNNN" from
// remoteParallelism*GOMAXPROCS goroutines: with raw gomemcache (Get, and the
// 2-key GetMulti that is the floor of a namespaced read), and with cachekit,
// once as plain keys of a cache without a namespace (one get) and once in a
// namespace (the key and its namespace's generation in one get; with
// Options.GenerationTTL, the key alone within it). Each impl runs
// keyRounds times in a pass.
func BenchmarkMemcachedKeys(b *testing.B) {
	addr := testserver.Memcached(b)
	keys := make([]string, remoteKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("%05d", i)
	}
	value := remoteValue
	type reader func(ctx context.Context, i int) error
	impls := []struct {
		name string
		make func(tb testing.TB) (reader, func())
	}{
		{"gomemcache-get", func(tb testing.TB) (reader, func()) {
			c := newGomemcache(addr)
			for _, k := range keys {
				if err := c.Set(&gm.Item{Key: "user:" + k, Value: value}); err != nil {
					tb.Fatal(err)
				}
			}
			return func(_ context.Context, i int) error { _, err := c.Get("user:" + keys[i]); return err }, func() { _ = c.Close() }
		}},
		{"gomemcache-getmulti-2", func(tb testing.TB) (reader, func()) {
			c := newGomemcache(addr)
			for _, k := range keys {
				if err := c.Set(&gm.Item{Key: "user:" + k, Value: value}); err != nil {
					tb.Fatal(err)
				}
			}
			_ = c.Set(&gm.Item{Key: "generation", Value: []byte("0123456789abcdef")})
			return func(_ context.Context, i int) error {
				_, err := c.GetMulti([]string{"generation", "user:" + keys[i]})
				return err
			}, func() { _ = c.Close() }
		}},
		{"cachekit-plain", func(tb testing.TB) (reader, func()) {
			return cachekitReader(tb, addr, ckmemcache.Options{}, "", "user:", keys, value)
		}},
		{"cachekit-namespaced", func(tb testing.TB) (reader, func()) {
			return cachekitReader(tb, addr, ckmemcache.Options{}, "users", "", keys, value)
		}},
		{"cachekit-namespaced-genttl", func(tb testing.TB) (reader, func()) {
			return cachekitReader(tb, addr, ckmemcache.Options{GenerationTTL: time.Second}, "users", "", keys, value)
		}},
	}
	for im := range turns(impls, keyRounds) {
		b.Run("impl="+im.name, func(b *testing.B) {
			read, done := im.make(b)
			b.Cleanup(func() {
				done()
				flushMemcached(b, addr)
			})
			ctx := context.Background()
			b.ReportAllocs()
			b.SetParallelism(remoteParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := read(ctx, i&(remoteKeys-1)); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// cachekitReader writes keys (prefixed by prefix) through a
// Cache[string, []byte] on a memcache store in namespace ns, and returns
// a reader of them.
func cachekitReader(tb testing.TB, addr string, opts ckmemcache.Options, ns, prefix string, keys []string, value []byte) (func(context.Context, int) error, func()) {
	client := newGomemcache(addr)
	s := ckmemcache.New(client, opts)
	c := cache.Must(cache.New(s, cache.Options[string, []byte]{Namespace: ns, Serializer: serializer.Bytes()}))
	for _, k := range keys {
		if err := c.Set(context.Background(), prefix+k, value); err != nil {
			tb.Fatal(err)
		}
	}
	return func(ctx context.Context, i int) error {
			_, found, err := c.Get(ctx, prefix+keys[i])
			if err == nil && !found {
				err = fmt.Errorf("miss of %q", prefix+keys[i])
			}
			return err
		}, func() {
			_ = s.Close()
			_ = client.Close()
		}
}
