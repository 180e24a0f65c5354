package memory_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

// A memory store behind a typed cache: with no serializer the values are
// kept as they are.
func Example() {
	ctx := context.Background()
	store := memory.New(memory.Options{MaxEntries: 10_000})
	defer store.Close()

	users, err := cache.New(store, cache.Options[int, string]{Namespace: "users", TTL: time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := users.Set(ctx, 1, "ada"); err != nil {
		fmt.Println(err)
		return
	}
	name, found, err := users.Get(ctx, 1)
	fmt.Println(name, found, err)
	_, found, err = users.Get(ctx, 2)
	fmt.Println(found, err)
	// Output:
	// ada true <nil>
	// false <nil>
}

// The store used directly: values written through the value path are read
// back unchanged, and integers also have a byte form.
func ExampleStore_Increment() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()

	n, _ := store.Increment(ctx, "hits", 1)
	n, _ = store.Increment(ctx, "hits", 41)
	v, _, _ := store.GetValue(ctx, "hits")
	b, _, _ := store.Get(ctx, "hits")
	fmt.Printf("%d %T %q\n", n, v, b)

	_ = store.Set(ctx, "text", []byte("9"), 0)
	n, _ = store.Increment(ctx, "text", 1)
	b, _, _ = store.Get(ctx, "text")
	fmt.Printf("%d %q\n", n, b)

	_ = store.SetValue(ctx, "name", "ada", 0)
	_, err := store.Increment(ctx, "name", 1)
	fmt.Println(err)
	// Output:
	// 42 int64 "42"
	// 10 "10"
	// memory: increment key "name": cache: value is not an integer: "ada"
}

// A version read with GetVersion detects any write since, even one that
// restores the same value.
func ExampleStore_CompareAndSwap() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()

	_ = store.Set(ctx, "k", []byte("A"), 0)
	_, ver, _, _ := store.GetVersion(ctx, "k")
	_ = store.Set(ctx, "k", []byte("B"), 0)
	_ = store.Set(ctx, "k", []byte("A"), 0)

	_, swapped, _ := store.CompareAndSwap(ctx, "k", ver, []byte("C"), 0)
	fmt.Println("stale version:", swapped)

	_, ver, _, _ = store.GetVersion(ctx, "k")
	_, swapped, _ = store.CompareAndSwap(ctx, "k", ver, []byte("C"), 0)
	v, _, _ := store.Get(ctx, "k")
	fmt.Println("fresh version:", swapped, string(v))
	// Output:
	// stale version: false
	// fresh version: true C
}
