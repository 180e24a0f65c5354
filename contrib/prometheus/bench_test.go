package prometheus_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/hooktest"
	cachekitprom "github.com/cachekit/cachekit/contrib/prometheus"
)

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
		b.Run(bc.name, func(b *testing.B) { hooktest.GetHits(b, bc.hooks()) })
	}
}

func TestGetHitAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	allocs := func(hooks []cache.Hook) float64 {
		c, keys := hooktest.BenchCache(t, hooks)
		_, _, _ = c.Get(ctx, keys[0]) // a series is looked up at its first event
		return testing.AllocsPerRun(1000, func() { _, _, _ = c.Get(ctx, keys[0]) })
	}
	require.Zero(t, allocs(nil), "the reference: a Get hit with no hook")
	assert.Zero(t, allocs([]cache.Hook{cachekitprom.NewCollector()}))
}
