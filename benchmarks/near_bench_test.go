package benchmarks

import (
	"context"
	"testing"
	"time"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/internal/testserver"
)

// BenchmarkRedisHotKey reads one key from remoteParallelism*GOMAXPROCS
// goroutines: a raw rueidis GET, cachekit without and with its near cache
// (rueidis.Options.ClientSideCache), and rueidis' DoCache, the floor of the
// near cache, on a standalone Redis.
func BenchmarkRedisHotKey(b *testing.B) {
	addr := testserver.Redis(b)
	impls := []impl[[]byte]{
		{"rueidis", func(tb testing.TB) client.KV[[]byte] { return client.NewRueidis(newRueidis(tb, addr)) }},
		{"cachekit", func(tb testing.TB) client.KV[[]byte] { return client.NewCachekitRedis(newRueidis(tb, addr)) }},
		{"cachekit-near", func(tb testing.TB) client.KV[[]byte] {
			return client.NewCachekitRedisNear(newRueidis(tb, addr), time.Minute)
		}},
		{"rueidis-docache", func(tb testing.TB) client.KV[[]byte] {
			return client.NewRueidisCached(newRueidis(tb, addr), time.Minute)
		}},
	}
	for _, im := range passOrder(impls) {
		b.Run("impl="+im.name, func(b *testing.B) {
			kv := im.new(b)
			b.Cleanup(func() {
				_ = kv.Close()
				flushRedis(b, addr)
			})
			ctx := context.Background()
			if err := kv.Set(ctx, "hot", remoteValue); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetParallelism(remoteParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, found, err := kv.Get(ctx, "hot"); err != nil || !found {
						b.Errorf("Get = %v, %v", found, err)
						return
					}
				}
			})
		})
	}
}
