package cache_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

const benchKeys = 1 << 14

func benchCache(b *testing.B) (*cache.Cache[string, int], []string) {
	s := memory.New(memory.Options{})
	b.Cleanup(func() { _ = s.Close() })
	c := cache.Must(cache.New(s, cache.Options[string, int]{}))
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
		_ = c.Set(context.Background(), keys[i], i)
	}
	return c, keys
}

// BenchmarkMemoryGetHit reads present keys through Cache[string, int] with
// no serializer: the value path, 0 allocs/op.
func BenchmarkMemoryGetHit(b *testing.B) {
	c, keys := benchCache(b)
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

func BenchmarkMemoryGetMiss(b *testing.B) {
	c, _ := benchCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, found, _ := c.Get(ctx, "absent"); found {
			b.Fatal("hit")
		}
	}
}

func BenchmarkMemorySet(b *testing.B) {
	c, keys := benchCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = c.Set(ctx, keys[i&(benchKeys-1)], i)
		i++
	}
}

func BenchmarkMemoryGetHitParallel(b *testing.B) {
	c, keys := benchCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, _, _ = c.Get(ctx, keys[i&(benchKeys-1)])
			i++
		}
	})
}

func BenchmarkMemorySetParallel(b *testing.B) {
	c, keys := benchCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_ = c.Set(ctx, keys[i&(benchKeys-1)], i)
			i++
		}
	})
}
