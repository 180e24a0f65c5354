package cache

import (
	"fmt"
	"math/rand/v2"
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
	// nothing for them. A nil Hook makes New fail.
	Hooks []Hook
	// Jitter in [0, 1) spreads the expiry of every write that has a TTL
	// (Set, MultiSet, Add, lock.Optimistic.CAS, the writes of package
	// loader) uniformly over [TTL·(1−Jitter), TTL·(1+Jitter)], so that
	// keys written together do not expire together (and reach the source
	// of truth together when they do); 0: exact TTLs. Outside [0, 1) New
	// fails with ErrInvalidTTL. Writes without expiry stay without; the
	// entries of the locks (lock.Red) keep their exact lease. A MultiSet
	// spreads its items over jitterSteps TTLs, one store call each.
	Jitter float64
}

func (o *Options[K, V]) validate() error {
	if strings.Contains(o.Namespace, ":") {
		return fmt.Errorf("%w: namespace %q contains ':'", ErrInvalidKey, o.Namespace)
	}
	if o.TTL < 0 {
		return fmt.Errorf("%w: default TTL %v is negative", ErrInvalidTTL, o.TTL)
	}
	if !(o.Jitter >= 0 && o.Jitter < 1) { // NaN too
		return fmt.Errorf("%w: Jitter %v is outside [0, 1)", ErrInvalidTTL, o.Jitter)
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

// ttlOf returns the expiry of a write with the given options, before
// jitter (see jittered).
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

// WriteTTL returns the expiry that a write with opts gets, before Jitter:
// TTL(d) if opts hold one, else Options.TTL. Package loader resolves the
// TTL of its writes with it.
func (c *Cache[K, V]) WriteTTL(opts ...WriteOption) (time.Duration, error) {
	return c.ttlOf(opts)
}

// jittered returns ttl spread by the cache's Jitter: uniformly over
// [ttl·(1−Jitter), ttl·(1+Jitter)], never below 1ms (a write with a
// positive TTL never becomes one without, nor one already expired). A ttl
// of 0 (no expiry) stays 0.
func (c *Cache[K, V]) jittered(ttl time.Duration) time.Duration {
	if c.jitter == 0 || ttl <= 0 {
		return ttl
	}
	return spread(ttl, c.jitter*(2*rand.Float64()-1))
}

// spread returns ttl·(1+f), at least 1ms.
func spread(ttl time.Duration, f float64) time.Duration {
	return max(time.Duration(float64(ttl)*(1+f)), time.Millisecond)
}

// jitterSteps is how many distinct TTLs a MultiSet with Jitter spreads its
// items over: one store call each.
const jitterSteps = 8
