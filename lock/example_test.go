package lock_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/memory"
)

// Several goroutines miss the same key at once; the lock lets one of them
// run the expensive loader while the others wait and then read its result.
func ExampleRed_Do() {
	store := memory.New(memory.Options{})
	defer store.Close()
	c := cache.Must(cache.New(store, cache.Options[string, string]{}))
	ctx := context.Background()

	var loads atomic.Int64
	expensive := func() string {
		loads.Add(1)
		time.Sleep(50 * time.Millisecond) // the work the lock saves
		return "report for 2024"
	}

	results := make([]string, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := lock.NewRed(c, "report", 5*time.Second).Do(ctx, func(ctx context.Context) error {
				v, found, err := c.Get(ctx, "report")
				if err != nil || found {
					results[i] = v
					return err
				}
				results[i] = expensive()
				return c.Set(ctx, "report", results[i])
			})
			if err != nil {
				fmt.Println(err)
			}
		}()
	}
	wg.Wait()

	fmt.Println("loads:", loads.Load())
	fmt.Println(results[0])
	fmt.Println(results[7])
	// Output:
	// loads: 1
	// report for 2024
	// report for 2024
}

// Update is the optimistic read-modify-write loop: it reads, computes and
// writes only if nobody wrote in between, retrying otherwise.
func ExampleUpdate() {
	store := memory.New(memory.Options{})
	defer store.Close()
	c := cache.Must(cache.New(store, cache.Options[string, []string]{}))
	ctx := context.Background()

	addTag := func(tag string) error {
		_, err := lock.Update(ctx, c, "tags", 10, func(old []string, found bool) ([]string, error) {
			return append(slices.Clone(old), tag), nil // old may be shared: copy it
		})
		return err
	}
	var wg sync.WaitGroup
	for _, tag := range []string{"go", "cache", "lock"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := addTag(tag); err != nil {
				fmt.Println(err)
			}
		}()
	}
	wg.Wait()

	tags, _, _ := c.Get(ctx, "tags")
	fmt.Println(len(tags), "tags")
	// Output:
	// 3 tags
}

// An Optimistic lock on its own: CAS fails with ErrConflict when the key
// changed after the lock read it.
func ExampleOptimistic_CAS() {
	store := memory.New(memory.Options{})
	defer store.Close()
	c := cache.Must(cache.New(store, cache.Options[string, int]{}))
	ctx := context.Background()
	_ = c.Set(ctx, "stock", 10)

	o, _ := lock.NewOptimistic(ctx, c, "stock")
	n, _ := o.Value()
	_ = c.Set(ctx, "stock", 7) // another writer
	err := o.CAS(ctx, n-1)
	fmt.Println(err)
	// Output:
	// lock: conflict: key "stock" changed since the lock started
}

// Acquire and Release by hand: Acquire takes a free lock (owned), or waits
// for its holder and goes on without it; Release deletes the entry only if
// it still holds this lock's token.
func ExampleRed_Acquire() {
	store := memory.New(memory.Options{})
	defer store.Close()
	c := cache.Must(cache.New(store, cache.Options[string, string]{Namespace: "jobs"}))
	ctx := context.Background()

	first := lock.NewRed(c, "nightly", time.Minute)
	owned, err := first.Acquire(ctx)
	fmt.Println("first:", owned, err)
	held, _ := c.Exists(ctx, "nightly-lock") // the lock's entry, beside the key
	fmt.Println("held:", held)

	// The second caller's cache tells, through a hook, when its Acquire
	// found the lock taken.
	refused := make(chan struct{})
	waiter := cache.Must(cache.New(store, cache.Options[string, string]{Namespace: "jobs", Hooks: []cache.Hook{
		cache.HookFunc(func(_ context.Context, e cache.Event) {
			if e.Op == cache.OpLockAcquire && !e.Ok {
				close(refused)
			}
		}),
	}}))
	second := lock.NewRed(waiter, "nightly", time.Minute)
	done := make(chan bool)
	go func() {
		owned, _ := second.Acquire(ctx) // waits for first
		done <- owned
	}()
	<-refused
	_ = first.Release(ctx) // wakes the waiter at once
	fmt.Println("second:", <-done, "(it waited, and goes on without the lock)")
	// Output:
	// first: true <nil>
	// held: true
	// second: false (it waited, and goes on without the lock)
}

// A holder whose work outlasts the lease extends it before it runs out, so
// that nobody starts the same work meanwhile; Fence is the acquisition's
// fencing token, which Extend keeps.
func ExampleRed_Extend() {
	store := memory.New(memory.Options{})
	defer store.Close()
	c := cache.Must(cache.New(store, cache.Options[string, string]{}))
	ctx := context.Background()

	l := lock.NewRed(c, "rebuild-index", 2*time.Second)
	if owned, err := l.Acquire(ctx); err != nil || !owned {
		return
	}
	defer l.Release(ctx)
	fence := l.Fence()
	for step := range 3 { // each step takes about a second
		_ = step
		held, err := l.Extend(ctx) // the lease restarts from now
		fmt.Println("extended:", held, err, l.Fence() == fence)
	}
	// Output:
	// extended: true <nil> true
	// extended: true <nil> true
	// extended: true <nil> true
}
