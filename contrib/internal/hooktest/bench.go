package hooktest

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

// benchKeys is how many keys BenchCache writes: a power of two.
const benchKeys = 1 << 10

// BenchCache returns a memory cache observed by hooks, and the keys it
// holds.
func BenchCache(tb testing.TB, hooks []cache.Hook) (*cache.Cache[string, int], []string) {
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

// GetHits measures Get hits of a BenchCache observed by hooks.
func GetHits(b *testing.B, hooks []cache.Hook) {
	c, keys := BenchCache(b, hooks)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, found, _ := c.Get(ctx, keys[i&(benchKeys-1)]); !found {
			b.Fatal("miss")
		}
		i++
	}
}
