package loader_test

import (
	"context"
	"testing"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/loader"
	"github.com/cachekit/cachekit/memory"
)

// BenchmarkGetHit reads a present key of a memory cache with Cache.Get
// (the reference, on a value with a TTL, as the loader writes), and with
// a Loader without and with RefreshAfter (and with a hook), on one
// goroutine.
func BenchmarkGetHit(b *testing.B) {
	s := memory.New(memory.Options{})
	b.Cleanup(func() { _ = s.Close() })
	c := cache.Must(cache.New(s, cache.Options[string, string]{}))
	hooked := cache.Must(cache.New(s, cache.Options[string, string]{Hooks: []cache.Hook{cache.HookFunc(func(context.Context, cache.Event) {})}}))
	ctx := context.Background()
	fn := func(context.Context, string) (string, error) { return "v", nil }
	for _, bc := range []struct {
		name string
		get  func() (string, error)
	}{
		{"cache-get", func() (string, error) { v, _, err := c.Get(ctx, "k"); return v, err }},
		{"loader", newGet(b, c, fn, loader.Options[string, string]{TTL: time.Hour})},
		{"loader-refresh", newGet(b, c, fn, loader.Options[string, string]{TTL: time.Hour, RefreshAfter: 50 * time.Minute})},
		// A hook makes the hit a read reported to it, filled in place
		// (Cache.ProbeInto), rather than one ProbeTTL.
		{"loader-refresh-hooked", newGet(b, hooked, fn, loader.Options[string, string]{TTL: time.Hour, RefreshAfter: 50 * time.Minute})},
	} {
		if err := c.Set(ctx, "k", "v", cache.TTL(time.Hour)); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v, err := bc.get(); err != nil || v != "v" {
					b.Fatal(v, err)
				}
			}
		})
	}
}

func newGet(b *testing.B, c *cache.Cache[string, string], fn func(context.Context, string) (string, error), opts loader.Options[string, string]) func() (string, error) {
	l := loader.Must(loader.New(c, fn, opts))
	b.Cleanup(func() { _ = l.Close() })
	return func() (string, error) { return l.Get(context.Background(), "k") }
}
