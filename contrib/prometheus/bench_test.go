package prometheus_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	cachekitprom "github.com/cachekit/cachekit/contrib/prometheus"
	"github.com/cachekit/cachekit/memory"
)

const benchKeys = 1 << 10

func benchCache(tb testing.TB, hooks []cache.Hook) (*cache.Cache[string, int], []string) {
	s := memory.New(memory.Options{})
	tb.Cleanup(func() { _ = s.Close() })
	c := cache.Must(cache.New(s, cache.Options[string, int]{Hooks: hooks}))
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
		require.NoError(tb, c.Set(context.Background(), keys[i], i))
	}
	return c, keys
}

// BenchmarkGetHit reads present keys of a memory cache with no hook (the
// reference), with a hook that does nothing (the cost of the cache's
// clock reads, which any hook brings), and with a Collector.
func BenchmarkGetHit(b *testing.B) {
	for _, bc := range []struct {
		name  string
		hooks func() []cache.Hook
	}{
		{"hook=none", func() []cache.Hook { return nil }},
		{"hook=func", func() []cache.Hook {
			return []cache.Hook{cache.HookFunc(func(context.Context, cache.Event) {})}
		}},
		{"hook=prometheus", func() []cache.Hook { return []cache.Hook{cachekitprom.NewCollector()} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, keys := benchCache(b, bc.hooks())
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, found, _ := c.Get(ctx, keys[i&(benchKeys-1)]); !found {
					b.Fatal("miss")
				}
				i++
			}
		})
	}
}

func TestGetHitAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	allocs := func(hooks []cache.Hook) float64 {
		c, keys := benchCache(t, hooks)
		_, _, _ = c.Get(ctx, keys[0]) // a series is looked up at its first event
		return testing.AllocsPerRun(1000, func() { _, _, _ = c.Get(ctx, keys[0]) })
	}
	require.Zero(t, allocs(nil), "the reference: a Get hit with no hook")
	assert.Zero(t, allocs([]cache.Hook{cachekitprom.NewCollector()}))
}
