package loader_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/loader"
	"github.com/cachekit/cachekit/memory"
)

type user struct{ Name string }

// The cache-stampede pattern as one call: every caller of Get on a cold
// key shares one call of the slow function, in this process and (through
// the key's lock.Red) across processes on a shared store.
func Example() {
	store := memory.New(memory.Options{})
	defer store.Close()
	users := cache.Must(cache.New(store, cache.Options[int, user]{Namespace: "users"}))

	calls := 0
	byID := loader.Must(loader.New(users, func(ctx context.Context, id int) (user, error) {
		calls++ // the database: slow, and called once per miss
		if id != 42 {
			return user{}, loader.ErrNotFound
		}
		return user{Name: "Ada"}, nil
	}, loader.Options[int, user]{
		Write:   []cache.WriteOption{cache.TTL(time.Hour)},
		MissTTL: time.Minute, // remember unknown ids too
	}))

	ctx := context.Background()
	u, _ := byID.Get(ctx, 42)
	u, _ = byID.Get(ctx, 42) // a hit
	_, err := byID.Get(ctx, 7)
	_, _ = byID.Get(ctx, 7) // its absence is remembered
	fmt.Println(u.Name, calls, err)
	// Output: Ada 2 loader: not found: "users:7"
}

// MultiGet reads every key in one round trip and loads the misses with one
// Batch call: one query for all the users that were not cached.
func ExampleLoader_MultiGet() {
	store := memory.New(memory.Options{})
	defer store.Close()
	names := cache.Must(cache.New(store, cache.Options[int, string]{Namespace: "names"}))
	ctx := context.Background()
	_ = names.Set(ctx, 1, "Ada") // cached already

	var batches [][]int
	byID := loader.Must(loader.New(names, func(ctx context.Context, id int) (string, error) {
		return "", errors.New("not called: Batch loads the misses")
	}, loader.Options[int, string]{
		Batch: func(ctx context.Context, ids []int) (map[int]string, error) {
			slices.Sort(ids)
			batches = append(batches, ids) // SELECT ... WHERE id IN (ids)
			out := map[int]string{}
			for _, id := range ids {
				if id < 100 {
					out[id] = fmt.Sprint("user ", id)
				}
			}
			return out, nil // ids left out have no value
		},
		MissTTL: time.Minute, // and that is remembered
	}))

	got, _ := byID.MultiGet(ctx, 1, 2, 3, 404)
	fmt.Println(len(got), got[1], got[2], got[3])
	got, _ = byID.MultiGet(ctx, 2, 404) // 2 is cached now, 404's absence remembered
	fmt.Println(len(got), batches)
	// Output:
	// 3 Ada user 2 user 3
	// 1 [[2 3 404]]
}

// With RefreshAfter a hot key is reloaded in the background before it
// expires: callers get the cached value at once, and never wait for fn
// once the key is warm. StaleFor keeps a value an hour past its TTL, for
// when fn fails.
func ExampleOptions_refreshAfter() {
	store := memory.New(memory.Options{})
	defer store.Close()
	prices := cache.Must(cache.New(store, cache.Options[string, int]{Jitter: 0.1}))
	byName := loader.Must(loader.New(prices, func(ctx context.Context, name string) (int, error) {
		return 42, nil // the pricing service
	}, loader.Options[string, int]{
		TTL:          time.Minute,
		RefreshAfter: 45 * time.Second,
		StaleFor:     time.Hour,
		LoadTimeout:  200 * time.Millisecond,
	}))
	defer byName.Close()
	p, err := byName.Get(context.Background(), "widget")
	fmt.Println(p, err)
	// Output: 42 <nil>
}
