package client

import (
	"context"
	"errors"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/loader"
)

// Load is the function a Loader loads a missing key with.
type Load func(ctx context.Context, key string) (string, error)

// A Loader is a read-through cache: Get returns the cached value of a key,
// or loads it with the Loader's function and stores it. It is one
// process's view of a cache-aside library.
type Loader interface {
	// Name is the library's name, the value of impl= in benchmark names.
	Name() string
	// Get returns the value of key, cached or loaded.
	Get(ctx context.Context, key string) (string, error)
	// Set writes the value of key, to warm the benchmarks of hits.
	Set(ctx context.Context, key, val string) error
	// Close releases what the adapter owns, the client included.
	Close() error
}

// CachekitLoader is a loader.Loader over a Cache[string, string] of a
// store (serializer.String: the value's bytes as they are).
type CachekitLoader struct {
	name  string
	c     *cache.Cache[string, string]
	l     *loader.Loader[string, string]
	ttl   time.Duration // of the values Set writes: the loader's TTL and StaleFor; 0: the cache's default
	close func() error
}

// NewCachekitLoader returns a loader named name over store, loading with
// load, with the loader's defaults but a 5 s lease; close closes the store
// and its client.
func NewCachekitLoader(name string, store cache.Store, s cache.Serializer[string], load Load, close func() error) *CachekitLoader {
	return NewCachekitLoaderWith(name, store, s, load, loader.Options[string, string]{Lease: 5 * time.Second}, close)
}

// NewCachekitLoaderWith is NewCachekitLoader with the loader's options
// opts (TTL, RefreshAfter, StaleFor, MissTTL...). Set writes values as a
// load of this loader would: with its TTL and StaleFor, so that a value
// just written is young, as one just loaded.
func NewCachekitLoaderWith(name string, store cache.Store, s cache.Serializer[string], load Load, opts loader.Options[string, string], close func() error) *CachekitLoader {
	c := cache.Must(cache.New(store, cache.Options[string, string]{Serializer: s}))
	l := loader.Must(loader.New(c, load, opts))
	ttl := opts.TTL
	if ttl > 0 {
		ttl += opts.StaleFor
	}
	return &CachekitLoader{name: name, c: c, l: l, ttl: ttl, close: close}
}

// Name returns the name given to NewCachekitLoader.
func (c *CachekitLoader) Name() string { return c.name }

// Get is Loader.Get.
func (c *CachekitLoader) Get(ctx context.Context, key string) (string, error) {
	return c.l.Get(ctx, key)
}

// Set is Cache.Set, with the TTL of the loader's loads when it has one.
func (c *CachekitLoader) Set(ctx context.Context, key, val string) error {
	if c.ttl > 0 {
		return c.c.Set(ctx, key, val, cache.TTL(c.ttl))
	}
	return c.c.Set(ctx, key, val)
}

// Close stops the loader's background work (refreshes) and waits for it,
// then closes the store.
func (c *CachekitLoader) Close() error {
	_ = c.l.Close()
	return c.close()
}

// CachekitCacheGet is a Cache.Get with no loader behind it: the floor of a
// loader's hit.
type CachekitCacheGet struct{ *CachekitLoader }

// Name returns the loader's name with "-cache-get".
func (c CachekitCacheGet) Name() string { return c.name + "-cache-get" }

// Get is Cache.Get; a miss is an error.
func (c CachekitCacheGet) Get(ctx context.Context, key string) (string, error) {
	v, found, err := c.c.Get(ctx, key)
	if err == nil && !found {
		err = errors.New("miss")
	}
	return v, err
}

// OtterLoader is an otter v2 cache read with Get and a loader.
type OtterLoader struct {
	name string
	c    *otter.Cache[string, string]
	load otter.Loader[string, string]
}

// NewOtterLoader returns an otter cache bounded to capacity entries that
// loads with load and keeps its values without expiry.
func NewOtterLoader(capacity int, load Load) *OtterLoader {
	return &OtterLoader{
		name: "otter",
		c:    otter.Must(&otter.Options[string, string]{MaximumSize: capacity, InitialCapacity: capacity}),
		load: otter.LoaderFunc[string, string](load),
	}
}

// NewOtterLoaderTTL returns an otter cache named name, bounded to capacity
// entries, that loads with load and expires values ttl after they were
// written (ExpiryWriting). With refreshAfter > 0 it also reloads a value
// in the background when a Get finds it older than that (Options.
// RefreshCalculator with RefreshWriting, the loader's Reload): otter's
// refresh-ahead, in this process only.
func NewOtterLoaderTTL(name string, capacity int, ttl, refreshAfter time.Duration, load Load) *OtterLoader {
	opts := &otter.Options[string, string]{
		MaximumSize:      capacity,
		InitialCapacity:  capacity,
		ExpiryCalculator: otter.ExpiryWriting[string, string](ttl),
	}
	if refreshAfter > 0 {
		opts.RefreshCalculator = otter.RefreshWriting[string, string](refreshAfter)
	}
	return &OtterLoader{name: name, c: otter.Must(opts), load: otter.LoaderFunc[string, string](load)}
}

// Name returns "otter", or the name given to NewOtterLoaderTTL.
func (o *OtterLoader) Name() string { return o.name }

// Get is otter's Cache.Get with the loader.
func (o *OtterLoader) Get(ctx context.Context, key string) (string, error) {
	return o.c.Get(ctx, key, o.load)
}

// Set is otter's Set.
func (o *OtterLoader) Set(_ context.Context, key, val string) error {
	o.c.Set(key, val)
	return nil
}

// Close stops otter's background work.
func (o *OtterLoader) Close() error {
	o.c.StopAllGoroutines()
	return nil
}
