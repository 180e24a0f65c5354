package cache

import (
	"context"
	"time"
)

// The optional interfaces of a Store: what a backend can do natively. A
// Cache finds them with a type assertion in New (on the store, or on the
// one its Namespace method returns) and uses the fallback that each one
// documents when it is missing. A wrapper of a store should implement
// exactly those its inner store implements.

// MultiGetter is implemented by stores that read many keys at once (Redis
// MGET, memcached's multi-key get). Without it, MultiGet reads one key
// after the other with Get.
type MultiGetter interface {
	// MultiGet returns one value per key, in order: nil for a miss and a
	// non-nil slice (possibly empty) for a hit.
	MultiGet(ctx context.Context, keys []string) ([][]byte, error)
}

// MultiSetter is implemented by stores that write many keys at once.
// Without it, MultiSet writes one key after the other with Set.
type MultiSetter interface {
	// MultiSet writes vals[i] under keys[i], all with the same ttl. keys
	// and vals have the same length.
	MultiSet(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error
}

// Exister is implemented by stores that tell whether a key exists without
// sending its value. Without it, Exists reads the key with Get.
type Exister interface {
	// Exists reports whether key is present.
	Exists(ctx context.Context, key string) (bool, error)
}

// Incrementer is implemented by stores that add to a decimal integer in
// place. Without it, Cache.Increment fails with an error matching
// errors.ErrUnsupported: a read-modify-write through the required methods
// could not keep the key's expiry, which Increment must.
type Incrementer interface {
	// Increment adds delta to the decimal integer stored under key and
	// returns the result. A missing key starts at 0 (and gets no expiry).
	// A value that is not a decimal integer gives an error matching
	// ErrNotInteger and is left unchanged. The key keeps its expiry.
	Increment(ctx context.Context, key string, delta int64) (int64, error)
}

// Expirer is implemented by stores that change the expiry of a key in
// place. Without it, Expire rewrites the key's value with the new ttl
// through GetVersion and CompareAndSwap, retrying while other writes come
// in between (the key then gets a new version).
type Expirer interface {
	// Expire gives an existing key a new ttl (0: no expiry) and reports
	// whether the key existed.
	Expire(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Extender is implemented by stores that give a key a new expiry only if
// it holds given bytes, in one atomic step (a script on Redis, a cas of
// the same bytes on memcached): lock.Red's Extend, through
// Entry.CompareAndExpire. Unlike a CompareAndSwap, it may be sent again
// when a connection drops before its reply. Without it, a Cache reads the
// key's version and writes the same bytes back with the new ttl
// (GetVersion and CompareAndSwap).
type Extender interface {
	// CompareAndExpire gives key a new ttl, from now (0: no expiry), if
	// its value equals val, atomically, and reports whether it did.
	CompareAndExpire(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
}

// TTLGetter is implemented by stores that tell how long a key has left,
// with its value in one round trip. lock.Red's waiters use it to wake when
// the holder's entry expires rather than at the end of their own lease,
// and package loader to know the age of a value (refresh-ahead, stale
// values). Without it, a waiter wakes at the end of its own lease, or at a
// change the store's Watcher reports, and the loader cannot tell ages.
type TTLGetter interface {
	// GetTTL returns the value of key, the time it has left before it
	// expires, and whether it was found. ttl is 0 for a key that never
	// expires, and also when the store cannot tell (an entry written by
	// another client that did not record its expiry).
	GetTTL(ctx context.Context, key string) (val []byte, ttl time.Duration, found bool, err error)
}

// Watcher is implemented by stores that tell a waiter that a key has
// changed: lock.Red waits with it for the holder of a lock to let go.
// Without it, a Cache watches by polling (see PollWatcher).
type Watcher interface {
	// Watch registers for a change of key after Watch returns: at least
	// its deletion (Delete or CompareAndDelete) through any store instance
	// on the same backend. The returned channel is closed promptly after
	// such a change. It may also be closed by a change shortly before
	// Watch returned, or with no change at all: a closed channel is a hint
	// to read the key again, never a promise that it changed.
	//
	// stop ends the watch and frees what it used; it must be called, also
	// after the channel was closed, and calling it again does nothing. ctx
	// bounds only the start of the watch: Watch returns ctx's error if ctx
	// ends first, and one matching ErrClosed after the store's Close.
	Watch(ctx context.Context, key string) (changed <-chan struct{}, stop func(), err error)
}

// Namespacer is implemented by stores that keep the keys of a namespace in
// a way of their own: memcached cannot list keys, so the memcache store
// folds a generation per namespace into them. A Cache with a Namespace
// runs every operation on the store that Namespace returns; the keys it is
// given are still full keys (namespace + ":" + key). A Cache without a
// Namespace uses the store itself, whose keys are then taken as they are,
// whatever they hold. Without Namespacer, a store keeps every key as it is
// and Clear(namespace) removes the keys that start with namespace + ":".
type Namespacer interface {
	// Namespace returns the store of the keys of namespace ns, which
	// shares its backend, state and Close with the store it came from.
	Namespace(ns string) Store
}

// ValueStore is implemented by stores that can hold Go values as they are,
// without encoding (the memory store). A Cache with no Serializer on a
// ValueStore uses these methods, and no encoding or copy happens: the
// values read are those written. Multi-key reads and writes of values call
// them once per key.
type ValueStore interface {
	Store
	// GetValue returns the value of key and whether it was found.
	GetValue(ctx context.Context, key string) (val any, found bool, err error)
	// GetValueVersion returns the value of key, its version, and whether
	// it was found. (A version held in a Version may cost an allocation,
	// which GetValue, the hot path, does without.)
	GetValueVersion(ctx context.Context, key string) (val any, ver Version, found bool, err error)
	// SetValue writes val under key, as Set does.
	SetValue(ctx context.Context, key string, val any, ttl time.Duration) error
	// AddValue writes val only if key is absent, as Add does.
	AddValue(ctx context.Context, key string, val any, ttl time.Duration) (added bool, err error)
	// CompareAndSwapValue writes val only if key still holds the version
	// ver, as CompareAndSwap does.
	CompareAndSwapValue(ctx context.Context, key string, ver Version, val any, ttl time.Duration) (newVer Version, swapped bool, err error)
}

// MultiTTLGetter is implemented by stores that read many keys with the
// time each has left, in one round trip. Package loader reads a value, its
// age and the mark of its absence with it (see Cache.Probe). Without it,
// the Cache reads the keys one by one with TTLGetter (or Get).
type MultiTTLGetter interface {
	// MultiGetTTL returns one value per key, in order, as MultiGet does
	// (nil for a miss), and the time each has left, as GetTTL does.
	MultiGetTTL(ctx context.Context, keys []string) (vals [][]byte, ttls []time.Duration, err error)
}

// MultiVersionGetter is implemented by stores that read many keys with
// their versions (as GetVersion does: from the store itself, past any near
// cache) in one call. Package loader reads a key's value and version with
// the mark of its absence beside it, under the key's lock, with it (see
// Probe.Version). Without it, the Cache reads the two with GetVersion and
// Get at once, in two calls.
type MultiVersionGetter interface {
	// MultiGetVersion returns one value per key, in order, as MultiGet
	// does (nil for a miss), and the version of each found (nil for a
	// miss), as GetVersion does.
	MultiGetVersion(ctx context.Context, keys []string) (vals [][]byte, vers []Version, err error)
}

// ValueTTLGetter is implemented by a ValueStore that tells how long a key
// has left, with its value, as TTLGetter does for bytes. A Cache that
// holds values uses it for Cache.Probe; without it, a probe of a held
// value tells no TTL.
type ValueTTLGetter interface {
	// GetValueTTL returns the value of key, the time it has left (0 for
	// none), and whether it was found.
	GetValueTTL(ctx context.Context, key string) (val any, ttl time.Duration, found bool, err error)
}

// WordTTLGetter is implemented by a WordStore that tells how long a key
// has left with its word, as ValueTTLGetter does with a value: Cache.Probe
// reads the TTL of a word through it, allocating nothing.
type WordTTLGetter interface {
	// GetWordTTL is GetWord, and the time the key has left (0 for none).
	GetWordTTL(ctx context.Context, key string, like any) (bits uint64, ttl time.Duration, isWord, found bool, err error)
}

// Fencer is implemented by stores that draw a fencing token in the same
// atomic step as the add of a lock's entry (a script on Redis): lock.Red's
// Fence, through Entry.AddFenced. The token comes from a counter beside the
// entry that grows with every acquisition, and which starts at the store's
// clock in microseconds, so that it still grows when the counter is lost
// (an eviction, a Clear; the Redis store takes the greater of the counter
// and its clock on every acquisition, so that a failover that lost the
// last increments repeats no token either). Without it, the entry is added
// and a counter beside it is incremented after (Incrementer, else a
// compare-and-swap loop), and an add whose increment came later than its
// ttl counts as not added.
type Fencer interface {
	// AddFenced writes val with the given ttl if key is absent, as Add
	// does, and if it did, returns the next fencing token of key. An error
	// that matches errors.ErrUnsupported says that the store cannot do it
	// for this key in one step (on a Redis Cluster, a key whose counter is
	// in another hash slot), and that it wrote nothing: the Cache then
	// takes the two steps, with the counter at key+FenceSuffix.
	AddFenced(ctx context.Context, key string, val []byte, ttl time.Duration) (fence uint64, added bool, err error)
}

// WordStore is a ValueStore that can also hold a value of at most eight
// bytes without pointers (a bool, an integer, a float, or a type defined
// on one) as its bits: a Cache with no Serializer whose V is such a type
// reads and writes it through these methods, and so allocates nothing per
// Get or Set, where a value in an interface costs a box of its own. The
// other methods see such a value as any other. The memory store
// implements it.
type WordStore interface {
	ValueStore
	// GetWord returns the bits of the value of key, if it is a value of
	// the type of like (whose value is not used) held as a word or not,
	// and whether it is; found reports whether key was found at all (a
	// value of another type is found, but not a word of like's type).
	GetWord(ctx context.Context, key string, like any) (bits uint64, isWord, found bool, err error)
	// SetWord writes under key, as SetValue does, the value of the type of
	// like whose bytes are the low bytes of bits, in memory order.
	SetWord(ctx context.Context, key string, like any, bits uint64, ttl time.Duration) error
}
