package benchmarks

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/internal/testserver"
	ckmemcache "github.com/cachekit/cachekit/memcache"
	"github.com/cachekit/cachekit/memory"
	ckredis "github.com/cachekit/cachekit/rueidis"
)

// optimisticParallelism is the b.SetParallelism of BenchmarkOptimistic:
// 8*GOMAXPROCS goroutines update one counter.
const optimisticParallelism = 8

// BenchmarkOptimistic increments one counter from many goroutines with
// optimistic read-modify-write updates (lock.Update), so that most
// attempts conflict. One op is one successful update; it reports
// updates/s and attempts/op (reads per successful update). On Redis,
// go-redis-watch is the WATCH/MULTI/EXEC transaction that Redis offers
// for the same job.
func BenchmarkOptimistic(b *testing.B) {
	impls := []struct {
		store, name string
		open        func(b *testing.B) client.Updater
	}{
		{"memory", "cachekit", func(b *testing.B) client.Updater {
			s := memory.New(memory.Options{})
			return client.NewCachekitUpdate(s, s.Close)
		}},
		{"redis", "cachekit", func(b *testing.B) client.Updater {
			c := newRueidis(b, testserver.Redis(b))
			s := ckredis.New(c, ckredis.Options{})
			return client.NewCachekitUpdate(s, func() error { err := s.Close(); c.Close(); return err })
		}},
		{"redis", "go-redis-watch", func(b *testing.B) client.Updater {
			return client.NewGoRedisWatch(newGoRedis(testserver.Redis(b)))
		}},
		{"memcached", "cachekit", func(b *testing.B) client.Updater {
			c := newGomemcache(testserver.Memcached(b))
			s := ckmemcache.New(c, ckmemcache.Options{})
			return client.NewCachekitUpdate(s, func() error { return errors.Join(s.Close(), c.Close()) })
		}},
	}
	for _, im := range passOrder(impls) {
		b.Run("store="+im.store+"/impl="+im.name, func(b *testing.B) {
			u := im.open(b)
			b.Cleanup(func() {
				if err := u.Close(); err != nil {
					b.Error(err)
				}
			})
			ctx := context.Background()
			const key = "optimistic-counter"
			if err := u.Delete(ctx, key); err != nil {
				b.Fatal(err)
			}
			var attempts atomic.Int64
			b.SetParallelism(optimisticParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n, err := u.Update(ctx, key, func(old int64) int64 { return old + 1 })
					attempts.Add(int64(n))
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			b.ReportMetric(float64(attempts.Load())/float64(b.N), "attempts/op")
			if n, _, err := u.Get(ctx, key); err != nil || n != int64(b.N) {
				b.Errorf("counter is %d (%v) after %d updates", n, err, b.N)
			}
		})
	}
}
