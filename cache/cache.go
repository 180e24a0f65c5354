package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/internal/codec"
)

// Cache is a typed cache of values V under keys K, kept in a Store. It is
// safe for concurrent use; it holds no state of its own beyond its options,
// so any number of caches (with different types, serializers or namespaces)
// may share one store.
type Cache[K comparable, V any] struct {
	store   Store
	values  ValueStore    // set when there is no serializer and the store holds Go values
	ser     Serializer[V] // set otherwise
	keyFunc func(K) string
	ns      string
	prefix  string // ns + ":", or "" with no namespace
	ttl     time.Duration
	hooks   []Hook
}

// New returns a cache of values V under keys K kept in store. It fails with
// ErrInvalidKey for a namespace containing ':' and ErrInvalidTTL for a
// negative default TTL.
func New[K comparable, V any](store Store, opts Options[K, V]) (*Cache[K, V], error) {
	if store == nil {
		return nil, errors.New("cache: nil store")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	c := &Cache[K, V]{
		store:   store,
		ser:     opts.Serializer,
		keyFunc: opts.KeyFunc,
		ns:      opts.Namespace,
		ttl:     opts.TTL,
	}
	if len(opts.Hooks) > 0 {
		c.hooks = append([]Hook(nil), opts.Hooks...)
	}
	if c.keyFunc == nil {
		c.keyFunc = defaultKeyFunc[K]()
	}
	if c.ns != "" {
		c.prefix = c.ns + ":"
	}
	if c.ser == nil {
		if vs, ok := store.(ValueStore); ok {
			c.values = vs
		} else {
			c.ser = codec.JSON[V]{}
		}
	}
	return c, nil
}

// Must returns c, and panics if err is not nil. It is for caches built at
// program start: cache.Must(cache.New(store, opts)).
func Must[K comparable, V any](c *Cache[K, V], err error) *Cache[K, V] {
	if err != nil {
		panic(err)
	}
	return c
}

// Store returns the store the cache keeps its values in.
func (c *Cache[K, V]) Store() Store { return c.store }

// Namespace returns the cache's namespace, "" for none.
func (c *Cache[K, V]) Namespace() string { return c.ns }

// Delete removes key and reports whether it existed.
func (c *Cache[K, V]) Delete(ctx context.Context, key K) (bool, error) {
	k, start := c.Key(key), begin(c.hooks)
	existed, err := c.store.Delete(ctx, k)
	end(ctx, c.hooks, start, Event{Op: OpDelete, Key: k, Err: err})
	return existed, err
}

// Exists reports whether key is present.
func (c *Cache[K, V]) Exists(ctx context.Context, key K) (bool, error) {
	k, start := c.Key(key), begin(c.hooks)
	found, err := c.store.Exists(ctx, k)
	end(ctx, c.hooks, start, readEvent(OpExists, k, found, err))
	return found, err
}

// Increment adds delta (which may be negative) to the decimal integer
// stored under key and returns the new value. A missing key becomes delta.
// A stored value that is not a decimal integer gives an error matching
// ErrNotInteger and is left unchanged. The key keeps its expiry.
//
// Integers written by a serializer that writes them as decimal text (JSON)
// or held as they are (memory with no serializer) can be read back with Get
// after Increment.
func (c *Cache[K, V]) Increment(ctx context.Context, key K, delta int64) (int64, error) {
	k, start := c.Key(key), begin(c.hooks)
	n, err := c.store.Increment(ctx, k, delta)
	end(ctx, c.hooks, start, Event{Op: OpIncrement, Key: k, Err: err})
	return n, err
}

// Expire gives key a new expiry, ttl from now; ttl == 0 removes its
// expiry. It reports false for a missing key.
func (c *Cache[K, V]) Expire(ctx context.Context, key K, ttl time.Duration) (bool, error) {
	k, start := c.Key(key), begin(c.hooks)
	found, err := false, error(nil)
	if ttl < 0 {
		err = fmt.Errorf("%w: expire %q: %v is negative", ErrInvalidTTL, k, ttl)
	} else {
		found, err = c.store.Expire(ctx, k, ttl)
	}
	end(ctx, c.hooks, start, Event{Op: OpExpire, Key: k, Err: err})
	return found, err
}

// Clear removes every key of this cache's namespace, and only those; with
// no namespace it empties the whole store.
func (c *Cache[K, V]) Clear(ctx context.Context) error {
	start := begin(c.hooks)
	err := c.store.Clear(ctx, c.ns)
	end(ctx, c.hooks, start, Event{Op: OpClear, Key: c.ns, Err: err})
	return err
}
