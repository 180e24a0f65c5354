package loader_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/loader"
	"github.com/cachekit/cachekit/memory"
)

type user struct{ Name string }

// The seed's stampede example as one call: every caller of Get on a cold
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
