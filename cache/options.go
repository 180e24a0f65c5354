package cache

import (
	"fmt"
	"strings"
	"time"
)

// Options configure a Cache. The zero value is a valid configuration: no
// namespace, the default key function, no expiry, no hooks, and no
// serializer (values kept as they are, and shared, on the memory store;
// raw bytes for []byte and string values, else JSON, on byte stores).
type Options[K comparable, V any] struct {
	// Serializer turns values into bytes. nil: a store that can hold Go
	// values (cache.ValueStore, the memory store) keeps them as they are;
	// other stores keep a []byte or a string V as its bytes, unchanged
	// (what other clients of the backend read), and any other V as JSON.
	//
	// Values kept as they are are shared, not copied: Get on the memory
	// store returns the very value that Set was given, so changing a
	// field of a returned *User, an element of a returned slice or an
	// entry of a returned map changes the cached value for every reader,
	// and changing the value after Set changes it too. A Redis or
	// memcached cache hands out fresh copies instead, so code that works
	// on one may break on the other. Treat values read from a cache as
	// read-only, or give the memory cache a Serializer (serializer.Msgpack
	// is the fastest faithful one): each Get then decodes a copy of its
	// own, exactly as on a byte store.
	//
	// Increment needs a serializer that reads back the decimal text it
	// writes (see DecimalReader); with any other, it is refused.
	Serializer Serializer[V]
	// Namespace prefixes every key of this cache as Namespace + ":" + key,
	// and bounds Clear. "" for none. It may not contain ':', the separator,
	// so that every store can tell where a namespace ends.
	Namespace string
	// KeyFunc turns a key into its string form, which must be distinct
	// for distinct keys. nil: strings as they are, numbers in decimal,
	// bools as true and false, a fmt.Stringer's String (which had better
	// be distinct for distinct keys), and structs and arrays as their
	// fields between braces or brackets, with strings quoted so that no
	// two keys meet: {1 2}, {"a b" "c"}, [3 4]. Key types holding a
	// pointer, a channel or an interface have no stable form (a pointer's
	// address means nothing in another process, or once reused): New
	// refuses them with ErrInvalidKey unless KeyFunc is set.
	KeyFunc func(K) string
	// TTL is the default expiry of writes; 0 means never expire. TTL(d) on a
	// single write overrides it.
	TTL time.Duration
	// Hooks observe every operation (see Hook). A cache without hooks pays
	// nothing for them.
	Hooks []Hook
}

func (o *Options[K, V]) validate() error {
	if strings.Contains(o.Namespace, ":") {
		return fmt.Errorf("%w: namespace %q contains ':'", ErrInvalidKey, o.Namespace)
	}
	if o.TTL < 0 {
		return fmt.Errorf("%w: default TTL %v is negative", ErrInvalidTTL, o.TTL)
	}
	return nil
}

// WriteOption adjusts one write: Set, MultiSet, Add, and
// lock.Optimistic.CAS.
type WriteOption interface {
	apply(*writeOptions)
}

type writeOptions struct {
	ttl    time.Duration
	hasTTL bool
}

type ttlOption time.Duration

func (o ttlOption) apply(w *writeOptions) { w.ttl, w.hasTTL = time.Duration(o), true }

// TTL sets the expiry of one write; 0 means never expire. Without it a write
// uses Options.TTL. A negative d makes the write fail with ErrInvalidTTL.
func TTL(d time.Duration) WriteOption { return ttlOption(d) }

// ttlOf returns the expiry of a write with the given options.
func (c *Cache[K, V]) ttlOf(opts []WriteOption) (time.Duration, error) {
	if len(opts) == 0 {
		return c.ttl, nil
	}
	w := writeOptions{ttl: c.ttl}
	for _, o := range opts {
		if o != nil {
			o.apply(&w)
		}
	}
	if w.ttl < 0 {
		return 0, fmt.Errorf("%w: %v is negative", ErrInvalidTTL, w.ttl)
	}
	return w.ttl, nil
}
