package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

// BenchmarkProbeTTL reads a present key with a TTL on a memory cache: with
// Cache.Get, with Cache.Probe asking for its TTL (the loader's read with
// RefreshAfter), and with the store's GetValueTTL and GetValue beneath
// them, so that what each layer costs shows.
func BenchmarkProbeTTL(b *testing.B) {
	s := memory.New(memory.Options{})
	b.Cleanup(func() { _ = s.Close() })
	c := cache.Must(cache.New(s, cache.Options[string, string]{}))
	ctx := context.Background()
	_ = c.Set(ctx, "k", "v", cache.TTL(time.Hour))
	k := c.Key("k")
	b.ReportAllocs()
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			_, _, _ = c.Get(ctx, "k")
		}
	})
	b.Run("probe-ttl", func(b *testing.B) {
		for b.Loop() {
			var p cache.Probed[string]
			_ = c.ProbeInto(ctx, cache.Probe{TTL: true}, k, &p)
		}
	})
	b.Run("getvaluettl", func(b *testing.B) {
		for b.Loop() {
			_, _, _, _ = s.GetValueTTL(ctx, k)
		}
	})
	b.Run("getvalue", func(b *testing.B) {
		for b.Loop() {
			_, _, _ = s.GetValue(ctx, k)
		}
	})
}
