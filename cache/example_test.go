package cache_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/hook"
	"github.com/cachekit/cachekit/memory"
	"github.com/cachekit/cachekit/serializer"
)

type User struct {
	Name  string
	Email string
}

func Example() {
	ctx := context.Background()
	store := memory.New(memory.Options{MaxEntries: 10_000})
	defer store.Close()

	users := cache.Must(cache.New(store, cache.Options[int, User]{
		Namespace: "users",
		TTL:       10 * time.Minute,
	}))
	_ = users.Set(ctx, 42, User{Name: "Ada", Email: "ada@example.com"})

	u, found, err := users.Get(ctx, 42)
	fmt.Println(u.Name, found, err)
	_, found, _ = users.Get(ctx, 7)
	fmt.Println(found, users.Key(42))
	// Output:
	// Ada true <nil>
	// false users:42
}

func ExampleCache_Add() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	c := cache.Must(cache.New(store, cache.Options[string, string]{}))

	fmt.Println(c.Add(ctx, "k", "first"))
	err := c.Add(ctx, "k", "second")
	fmt.Println(errors.Is(err, cache.ErrExists))
	// Output:
	// <nil>
	// true
}

func ExampleCache_Increment() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	counters := cache.Must(cache.New(store, cache.Options[string, int64]{Namespace: "hits"}))

	_, _ = counters.Increment(ctx, "home", 1)
	n, _ := counters.Increment(ctx, "home", 41)
	v, _, _ := counters.Get(ctx, "home")
	fmt.Println(n, v)
	// Output: 42 42
}

func ExampleTTL() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	sessions := cache.Must(cache.New(store, cache.Options[string, string]{TTL: time.Hour}))

	_ = sessions.Set(ctx, "short", "token", cache.TTL(20*time.Millisecond)) // this write only
	_ = sessions.Set(ctx, "forever", "token", cache.TTL(0))                 // never expires
	time.Sleep(50 * time.Millisecond)

	_, short, _ := sessions.Get(ctx, "short")
	_, forever, _ := sessions.Get(ctx, "forever")
	fmt.Println(short, forever)
	// Output: false true
}

func ExampleOptions_serializer() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	// With a serializer the memory store keeps bytes, as Redis and
	// memcached do; without one it keeps the values themselves.
	users := cache.Must(cache.New(store, cache.Options[string, User]{Serializer: serializer.Msgpack[User]()}))

	_ = users.Set(ctx, "ada", User{Name: "Ada"})
	raw, _, _ := store.Get(ctx, "ada")
	u, _, _ := users.Get(ctx, "ada")
	fmt.Println(len(raw) > 0, u.Name)
	// Output: true Ada
}

func ExampleOptions_hooks() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	var stats hook.HitMiss
	c := cache.Must(cache.New(store, cache.Options[string, int]{Hooks: []cache.Hook{&stats}}))

	_ = c.Set(ctx, "a", 1)
	_, _, _ = c.Get(ctx, "a")
	_, _, _ = c.Get(ctx, "b")
	_, _ = c.MultiGet(ctx, "a", "b", "c")
	fmt.Printf("hits=%d misses=%d ratio=%.2f\n", stats.Hits(), stats.Misses(), stats.Ratio())
	// Output: hits=2 misses=3 ratio=0.40
}

func ExampleDecodeError() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	_ = store.Set(ctx, "k", []byte("not json"), 0)
	c := cache.Must(cache.New(store, cache.Options[string, User]{Serializer: serializer.JSON[User]()}))

	_, found, err := c.Get(ctx, "k")
	var de *cache.DecodeError
	fmt.Println(found, errors.Is(err, cache.ErrDecode), errors.As(err, &de) && de.Key == "k")
	// Output: false true true
}

func ExampleCache_MultiGet() {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	defer store.Close()
	c := cache.Must(cache.New(store, cache.Options[int, string]{Namespace: "names"}))

	_ = c.MultiSet(ctx, map[int]string{1: "Ada", 2: "Grace"})
	got, err := c.MultiGet(ctx, 1, 2, 3) // one round trip on Redis and memcached
	fmt.Println(len(got), got[1], got[2], err)
	_, missing := got[3] // misses are absent from the map
	fmt.Println(missing)
	// Output:
	// 2 Ada Grace <nil>
	// false
}
