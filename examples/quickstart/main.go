// Command quickstart shows cachekit on the memory store, no server needed:
// a typed cache, a serializer swap, TTLs, the hit/miss hook, both locks and
// the loader.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/hook"
	"github.com/cachekit/cachekit/loader"
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/memory"
	"github.com/cachekit/cachekit/serializer"
)

// User is the value type of the examples.
type User struct {
	ID   int
	Name string
}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	store := memory.New(memory.Options{MaxEntries: 100_000})
	defer store.Close()

	// 1. A typed cache with a hit/miss hook. With no serializer the memory
	//    store keeps values as they are: no encoding at all.
	var stats hook.HitMiss
	users, err := cache.New(store, cache.Options[int, User]{
		Namespace: "users",
		TTL:       time.Hour,
		Hooks:     []cache.Hook{&stats},
	})
	if err != nil {
		return err
	}
	if err := users.Set(ctx, 1, User{ID: 1, Name: "Ada"}); err != nil {
		return err
	}
	u, found, err := users.Get(ctx, 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "typed cache:   Get(1) = %+v (found %v), backend key %q\n", u, found, users.Key(1))
	_, found, _ = users.Get(ctx, 2)
	fmt.Fprintf(w, "               Get(2) found %v; hits %d, misses %d, ratio %.2f\n", found, stats.Hits(), stats.Misses(), stats.Ratio())

	// 2. The same type through msgpack: what Redis and memcached would hold.
	packed := cache.Must(cache.New(store, cache.Options[int, User]{Namespace: "packed", Serializer: serializer.Msgpack[User]()}))
	_ = packed.Set(ctx, 1, User{ID: 1, Name: "Ada"})
	raw, _, _ := store.Get(ctx, packed.Key(1))
	fmt.Fprintf(w, "serializer:    msgpack stores %d bytes under %q\n", len(raw), packed.Key(1))

	// 3. TTLs: a per-write TTL overrides the cache's default.
	_ = users.Set(ctx, 3, User{ID: 3, Name: "Brief"}, cache.TTL(30*time.Millisecond))
	time.Sleep(60 * time.Millisecond)
	_, found, _ = users.Get(ctx, 3)
	fmt.Fprintf(w, "ttl:           a 30ms entry after 60ms: found %v\n", found)

	// 4. lock.Red against a stampede: eight callers, one expensive load.
	reports := cache.Must(cache.New(store, cache.Options[string, string]{Namespace: "reports"}))
	var loads atomic.Int32
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := lock.NewRed(reports, "daily", time.Second)
			_ = l.Do(ctx, func(ctx context.Context) error {
				if v, found, err := reports.Get(ctx, "daily"); err != nil || found {
					results[i] = v
					return err
				}
				loads.Add(1)
				time.Sleep(20 * time.Millisecond) // the expensive part
				results[i] = "report #1"
				return reports.Set(ctx, "daily", results[i])
			})
		}()
	}
	wg.Wait()
	fmt.Fprintf(w, "red lock:      8 callers, %d load(s), all got %q: %v\n", loads.Load(), results[0], allEqual(results))

	// 5. The same, as one call: a loader does the lock, the second read,
	//    the load and the write, and shares one load among its callers.
	var loaded atomic.Int32
	byID := loader.Must(loader.New(users, func(ctx context.Context, id int) (User, error) {
		loaded.Add(1)
		time.Sleep(20 * time.Millisecond) // the database
		return User{ID: id, Name: fmt.Sprintf("user %d", id)}, nil
	}, loader.Options[int, User]{}))
	got := make([]User, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = byID.Get(ctx, 9)
		}()
	}
	wg.Wait()
	fmt.Fprintf(w, "loader:        8 callers of Get(9), %d load(s), all got %+v: %v\n", loaded.Load(), got[0], allEqual(got))

	// 6. lock.Optimistic: a read-modify-write that retries on conflict.
	counters := cache.Must(cache.New(store, cache.Options[string, int]{Namespace: "counters"}))
	var wg2 sync.WaitGroup
	for range 4 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for range 25 {
				_, err := lock.Update(ctx, counters, "visits", 100, func(old int, _ bool) (int, error) { return old + 1, nil })
				if err != nil && !errors.Is(err, lock.ErrConflict) {
					log.Print(err)
				}
			}
		}()
	}
	wg2.Wait()
	n, _, _ := counters.Get(ctx, "visits")
	fmt.Fprintf(w, "optimistic:    4 goroutines x 25 updates = %d\n", n)
	return nil
}

func allEqual[T comparable](s []T) bool {
	for _, v := range s {
		if v != s[0] {
			return false
		}
	}
	return true
}
