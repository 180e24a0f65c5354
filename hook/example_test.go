package hook_test

import (
	"context"
	"fmt"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/hook"
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
