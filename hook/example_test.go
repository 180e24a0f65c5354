package hook_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/hook"
	"github.com/cachekit/cachekit/loader"
	"github.com/cachekit/cachekit/memory"
)

func ExampleTiming() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	var timing hook.Timing
	var hits hook.HitMiss
	c := cache.Must(cache.New(store, cache.Options[string, int]{Hooks: []cache.Hook{&timing, &hits}}))

	for i := range 10 {
		_ = c.Set(ctx, fmt.Sprint(i), i)
	}
	for i := range 20 {
		_, _, _ = c.Get(ctx, fmt.Sprint(i))
	}
	sets, gets := timing.Stats(cache.OpSet), timing.Stats(cache.OpGet)
	fmt.Println("sets:", sets.Count, "gets:", gets.Count, "min <= mean <= max:", gets.Min <= gets.Mean() && gets.Mean() <= gets.Max)
	fmt.Printf("hit ratio: %.2f\n", hits.Ratio())
	// Output:
	// sets: 10 gets: 20 min <= mean <= max: true
	// hit ratio: 0.50
}

func ExampleHitMiss() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	var stats hook.HitMiss
	c := cache.Must(cache.New(store, cache.Options[int, string]{Hooks: []cache.Hook{&stats}}))
	users := loader.Must(loader.New(c, func(_ context.Context, id int) (string, error) {
		if id > 100 {
			return "", loader.ErrNotFound
		}
		return fmt.Sprint("user ", id), nil
	}, loader.Options[int, string]{MissTTL: time.Minute}))

	_, _ = users.Get(ctx, 1)   // a miss: loaded
	_, _ = users.Get(ctx, 1)   // a hit
	_, _ = users.Get(ctx, 500) // a miss: loaded, not found
	_, _ = users.Get(ctx, 500) // a miss, remembered: not loaded again
	fmt.Printf("hits=%d misses=%d (remembered %d) ratio=%.2f\n", stats.Hits(), stats.Misses(), stats.Remembered(), stats.Ratio())
	// Output: hits=1 misses=3 (remembered 1) ratio=0.25
}

// slowGets is a hook of one's own: it counts the Gets slower than a bound.
type slowGets struct {
	bound time.Duration
	n     atomic.Int64
}

func (s *slowGets) Observe(_ context.Context, e cache.Event) {
	if e.Op == cache.OpGet && e.Duration > s.bound {
		s.n.Add(1)
	}
}

func Example_customHook() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	slow := &slowGets{bound: time.Hour}
	var events []string
	c := cache.Must(cache.New(store, cache.Options[string, int]{Hooks: []cache.Hook{
		slow,
		cache.HookFunc(func(_ context.Context, e cache.Event) { events = append(events, e.Op.String()) }),
	}}))
	_ = c.Set(ctx, "a", 1)
	_, _, _ = c.Get(ctx, "a")
	fmt.Println(events, slow.n.Load())
	// Output: [set get] 0
}
