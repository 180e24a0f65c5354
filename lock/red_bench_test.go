package lock_test

import (
	"context"
	"testing"
	"time"

	"github.com/cachekit/cachekit/lock"
)

// BenchmarkRedDoUncontended is the cost the lock adds to a Do nobody
// contends, on the memory store: a token, an add and a compare-and-delete.
func BenchmarkRedDoUncontended(b *testing.B) {
	c := newStringCache(b)
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := lock.NewRed(c, "k", time.Minute).Do(ctx, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedDoContended runs Do from every P at once on one key: most
// calls wait for a holder and are woken by its release.
func BenchmarkRedDoContended(b *testing.B) {
	c := newStringCache(b)
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := lock.NewRed(c, "k", time.Minute).Do(ctx, fn); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
