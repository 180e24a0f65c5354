package cache

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Cache is a typed cache of values V under keys K, kept in a Store. It is
// safe for concurrent use; it holds no state of its own beyond its options,
// so any number of caches (with different types, serializers or namespaces)
// may share one store.
type Cache[K comparable, V any] struct {
	store   Store     // as given to New
	b       backend   // the store of this cache's keys, with its optional interfaces
	vals    values[V] // how values are kept: encoded or held
	keyFunc func(K) string
	ns      string
	prefix  string // ns + ":", or "" with no namespace
	ttl     time.Duration
	hooks   []Hook
	// noIncrement is why Increment is refused: the serializer could not
	// read back the decimal text it writes (see DecimalReader); nil if it
	// can.
	noIncrement error
}

// New returns a cache of values V under keys K kept in store. It fails with
// ErrInvalidKey for a namespace containing ':', or for a key type that the
// default KeyFunc cannot map (one holding a pointer, a channel or an
// interface) when Options.KeyFunc is nil, and with ErrInvalidTTL for a
// negative default TTL.
//
// New looks once at what store can do (see the optional interfaces of
// Store): with a Namespace, a Namespacer store runs this cache's operations
// on the store its Namespace method returns; with no Serializer, a
// ValueStore holds the values as they are, and any other store gets a
// []byte or a string V as its bytes, unchanged, and every other V as JSON.
// It also learns whether the serializer reads back the numbers Increment
// writes (see DecimalReader).
func New[K comparable, V any](store Store, opts Options[K, V]) (*Cache[K, V], error) {
	if store == nil {
		return nil, errors.New("cache: nil store")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	c := &Cache[K, V]{
		store:   store,
		keyFunc: opts.KeyFunc,
		ns:      opts.Namespace,
		ttl:     opts.TTL,
	}
	if len(opts.Hooks) > 0 {
		c.hooks = append([]Hook(nil), opts.Hooks...)
	}
	if c.keyFunc == nil {
		var err error
		if c.keyFunc, err = defaultKeyFunc[K](); err != nil {
			return nil, err
		}
	}
	keys := store
	if c.ns != "" {
		c.prefix = c.ns + ":"
		if n, ok := store.(Namespacer); ok {
			keys = n.Namespace(c.ns)
		}
	}
	c.b = newBackend(keys)
	vs, isValueStore := keys.(ValueStore)
	switch {
	case opts.Serializer != nil:
		c.vals = encoded[V]{&c.b, opts.Serializer}
		if !readsDecimal(opts.Serializer) {
			c.noIncrement = fmt.Errorf("%w: the serializer %T cannot read back the decimal text Increment writes (it is no cache.DecimalReader)",
				errors.ErrUnsupported, opts.Serializer)
		}
	case isValueStore:
		c.vals = heldValues[V](vs)
	default:
		c.vals = encoded[V]{&c.b, defaultSerializer[V]()}
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
	existed, err := c.b.store.Delete(ctx, k)
	end(ctx, c.hooks, start, Event{Op: OpDelete, Key: k, Err: err, Ok: existed})
	return existed, err
}

// Exists reports whether key is present.
func (c *Cache[K, V]) Exists(ctx context.Context, key K) (bool, error) {
	k, start := c.Key(key), begin(c.hooks)
	found, err := c.b.exists(ctx, k)
	end(ctx, c.hooks, start, ReadEvent(OpExists, k, found, err))
	return found, err
}

// Increment adds delta (which may be negative) to the decimal integer
// stored under key and returns the new value. A missing key becomes delta.
// A stored value that is not a decimal integer gives an error matching
// ErrNotInteger and is left unchanged. The key keeps its expiry. A store
// that cannot increment in place (not an Incrementer) gives an error
// matching errors.ErrUnsupported.
//
// Get reads the new number back: as the integer itself with no serializer
// on the memory store, and through a serializer that is a DecimalReader
// (JSON, String, Bytes) as that number or its text, or an error matching
// ErrDecode for a V that holds neither. A cache whose serializer is not one
// (Msgpack, Gob, one of your own) would read a wrong number: its Increment
// fails with an error matching errors.ErrUnsupported and changes nothing.
func (c *Cache[K, V]) Increment(ctx context.Context, key K, delta int64) (int64, error) {
	k, start := c.Key(key), begin(c.hooks)
	var (
		n   int64
		err error
	)
	if c.noIncrement != nil {
		err = fmt.Errorf("cache: increment %q: %w", k, c.noIncrement)
	} else {
		n, err = c.b.increment(ctx, k, delta)
	}
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
		found, err = c.b.expireKey(ctx, k, ttl)
	}
	end(ctx, c.hooks, start, Event{Op: OpExpire, Key: k, Err: err, Ok: found})
	return found, err
}

// Clear removes every key of this cache's namespace, and only those; with
// no namespace it empties the whole store.
func (c *Cache[K, V]) Clear(ctx context.Context) error {
	start := begin(c.hooks)
	err := c.b.store.Clear(ctx, c.ns)
	end(ctx, c.hooks, start, Event{Op: OpClear, Key: c.ns, Err: err})
	return err
}

// WithHooks returns a cache that is c in every way (store, namespace, key
// function, serializer, TTL) but reports its operations to hooks instead
// of c's: none when hooks is empty. Reads and writes through either are
// the same reads and writes; only who observes them differs. Package
// loader reads through a cache without hooks where a read is its own, not
// its caller's.
func (c *Cache[K, V]) WithHooks(hooks ...Hook) *Cache[K, V] {
	d := *c
	d.hooks = append([]Hook(nil), hooks...)
	if len(d.hooks) == 0 {
		d.hooks = nil
	}
	return &d
}

// Report hands e, an operation that a package built on the cache did
// (package loader's OpLoad), to the cache's hooks, as the cache does with
// its own. e.Start and e.Duration are the caller's to fill.
func (c *Cache[K, V]) Report(ctx context.Context, e Event) {
	for _, h := range c.hooks {
		h.Observe(ctx, e)
	}
}
