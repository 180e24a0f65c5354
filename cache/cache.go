package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/internal/writeseq"
)

// Cache is a typed cache of values V under keys K, kept in a Store. It is
// safe for concurrent use; it holds no state of its own beyond its options,
// so any number of caches (with different types, serializers or namespaces)
// may share one store.
type Cache[K comparable, V any] struct {
	store Store     // as given to New
	b     backend   // the store of this cache's keys, with its optional interfaces
	vals  values[V] // how values are kept: encoded or held
	// What Get reads with itself, two calls less deep than through vals:
	// ser is the serializer of encoded values, nil for held ones; word is
	// vals if it holds words, else nil; heldVals is vals' ValueStore.
	ser      Serializer[V]
	word     *words[V]
	heldVals held[V]

	keyFunc func(K) string
	ns      string
	prefix  string // ns + ":", or "" with no namespace
	ttl     time.Duration
	jitter  float64 // Options.Jitter
	obs     observers
	// remote: the store is not a ValueStore, so its reads and writes take
	// a round trip; then the cache tells package writeseq of each write
	// as it returns (see Wrote).
	remote bool
	// asIs: K is string, with the default KeyFunc and no namespace, so
	// that a key is its own backend key and Key returns it with no call.
	asIs bool
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
		jitter:  opts.Jitter,
	}
	var err error
	if c.obs, err = newObservers(c.ns, opts.Hooks); err != nil {
		return nil, err
	}
	if c.keyFunc == nil {
		if c.keyFunc, err = defaultKeyFunc[K](); err != nil {
			return nil, err
		}
		_, isString := any(*new(K)).(string)
		c.asIs = isString && c.ns == ""
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
	c.remote = !isValueStore
	switch {
	case opts.Serializer != nil:
		c.ser = opts.Serializer
		c.vals = encoded[V]{&c.b, c.ser}
		if !readsDecimal(opts.Serializer) {
			c.noIncrement = fmt.Errorf("%w: the serializer %T cannot read back the decimal text Increment writes (it is no cache.DecimalReader)",
				errors.ErrUnsupported, opts.Serializer)
		}
	case isValueStore:
		vt, _ := vs.(ValueTTLGetter)
		c.heldVals = held[V]{vs, vt}
		c.vals = heldValues[V](c.heldVals)
		if w, ok := c.vals.(words[V]); ok {
			c.word = &w
		}
	default:
		c.ser = defaultSerializer[V]()
		c.vals = encoded[V]{&c.b, c.ser}
	}
	return c, nil
}

// wrote records that a write of k has returned, for the reads of package
// loader that callers share (see package writeseq): only on a remote
// store, whose reads the loader shares.
func (c *Cache[K, V]) wrote(k string) {
	if c.remote {
		writeseq.Wrote(k)
	}
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
	if err := c.checkCall(ctx); err != nil {
		return false, err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpDelete, k)
	existed, err := c.b.store.Delete(ctx, k)
	c.wrote(k)
	c.obs.end(ctx, start, OpDelete, k, existed, err)
	return existed, err
}

// Exists reports whether key is present.
func (c *Cache[K, V]) Exists(ctx context.Context, key K) (bool, error) {
	if err := c.checkCall(ctx); err != nil {
		return false, err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpExists, k)
	found, err := c.b.exists(ctx, k)
	c.obs.endRead(ctx, start, OpExists, k, found, err)
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
	if err := c.checkCall(ctx); err != nil {
		return 0, err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpIncrement, k)
	var (
		n   int64
		err error
	)
	if c.noIncrement != nil {
		err = fmt.Errorf("cache: increment %q: %w", k, c.noIncrement)
	} else {
		n, err = c.b.increment(ctx, k, delta)
		c.wrote(k)
	}
	c.obs.end(ctx, start, OpIncrement, k, false, err)
	return n, err
}

// Expire gives key a new expiry, ttl from now; ttl == 0 removes its
// expiry. It reports false for a missing key.
func (c *Cache[K, V]) Expire(ctx context.Context, key K, ttl time.Duration) (bool, error) {
	if err := c.checkCall(ctx); err != nil {
		return false, err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpExpire, k)
	found, err := false, error(nil)
	if ttl < 0 {
		err = fmt.Errorf("%w: expire %q: %v is negative", ErrInvalidTTL, k, ttl)
	} else {
		found, err = c.b.expireKey(ctx, k, ttl)
		c.wrote(k)
	}
	c.obs.end(ctx, start, OpExpire, k, found, err)
	return found, err
}

// Clear removes every key of this cache's namespace, and only those; with
// no namespace it empties the whole store.
func (c *Cache[K, V]) Clear(ctx context.Context) error {
	if err := c.checkCall(ctx); err != nil {
		return err
	}
	ctx, start := c.obs.begin(ctx, OpClear, c.ns)
	err := c.b.store.Clear(ctx, c.ns)
	if c.remote {
		writeseq.WroteAll()
	}
	c.obs.end(ctx, start, OpClear, c.ns, false, err)
	return err
}

// WithHooks returns a cache that is c in every way (store, namespace, key
// function, serializer, TTL) but reports its operations to hooks instead
// of c's: none when hooks is empty. Reads and writes through either are
// the same reads and writes; only who observes them differs. It fails,
// as New does, for a nil Hook.
func (c *Cache[K, V]) WithHooks(hooks ...Hook) (*Cache[K, V], error) {
	d := *c
	var err error
	if d.obs, err = newObservers(c.ns, hooks); err != nil {
		return nil, err
	}
	return &d, nil
}
