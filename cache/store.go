package cache

import (
	"context"
	"time"
)

// Store is the byte-level backend contract of a Cache. The memory, rueidis
// and memcache packages implement it; users may implement it for other
// backends and check their implementation with package cache/cachetest.
//
// Keys are full backend keys (namespace already applied, see Cache.Key).
// Values are opaque bytes that the store keeps exactly. A store that holds
// on to a slice it was given copies it first (the caller may reuse it), and
// the slices it returns belong to the caller. A ttl of 0 means
// "never expire"; a positive ttl is the entry's lifetime. Stores never see a
// negative ttl. Every method honours ctx and returns an error matching
// ctx.Err() when it is done, and ErrClosed after Close.
//
// Methods report backend conditions as results, not errors: a miss is
// found == false, a failed add is added == false, a failed compare is
// swapped/deleted == false. Errors are for failures only.
type Store interface {
	// Get returns the value of key and whether it was found.
	Get(ctx context.Context, key string) (val []byte, found bool, err error)
	// MultiGet returns one value per key, in order: nil for a miss and a
	// non-nil slice (possibly empty) for a hit.
	MultiGet(ctx context.Context, keys []string) ([][]byte, error)
	// Set writes val under key with the given ttl, replacing any value and
	// any earlier expiry.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// MultiSet writes vals[i] under keys[i], all with the same ttl.
	MultiSet(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error
	// Add writes val only if key is absent, atomically, and reports whether
	// it did.
	Add(ctx context.Context, key string, val []byte, ttl time.Duration) (added bool, err error)
	// Delete removes key and reports whether it existed.
	Delete(ctx context.Context, key string) (existed bool, err error)
	// Exists reports whether key is present.
	Exists(ctx context.Context, key string) (bool, error)
	// Increment adds delta to the decimal integer stored under key and
	// returns the result. A missing key starts at 0. A value that is not a
	// decimal integer gives an error matching ErrNotInteger and is left
	// unchanged. The key keeps its expiry.
	Increment(ctx context.Context, key string, delta int64) (int64, error)
	// Expire gives an existing key a new ttl (0: no expiry) and reports
	// whether the key existed.
	Expire(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Clear removes every key under namespace + ":"; with namespace == ""
	// it empties the whole store.
	Clear(ctx context.Context, namespace string) error
	// CompareAndDelete deletes key only if its value equals token,
	// atomically, and reports whether it did.
	CompareAndDelete(ctx context.Context, key string, token []byte) (deleted bool, err error)
	// GetVersion returns the value of key with a version token for
	// CompareAndSwap.
	GetVersion(ctx context.Context, key string) (val []byte, ver Version, found bool, err error)
	// CompareAndSwap writes val only if key still holds the version ver,
	// atomically, and returns the version of what it wrote. With ver == nil
	// it writes unconditionally. A key deleted since ver was read does not
	// match.
	CompareAndSwap(ctx context.Context, key string, ver Version, val []byte, ttl time.Duration) (newVer Version, swapped bool, err error)
	// Close releases the store's resources; later calls return ErrClosed.
	// It is idempotent.
	Close() error
}

// Version is an opaque token that a store returns from GetVersion and
// CompareAndSwap and accepts back in CompareAndSwap. Each store defines its
// own: a counter per entry in memory, a CAS id on memcached, the stored bytes
// on Redis. nil stands for "no version": an unconditional write.
type Version any

// ValueStore is implemented by stores that can hold Go values as they are,
// without encoding (the memory store). A Cache with no Serializer on a
// ValueStore uses these methods: no copy, no encoding. The methods mirror
// those of Store of the same name without the "Value" suffix; values read
// are those written, not copies.
type ValueStore interface {
	Store
	GetValue(ctx context.Context, key string) (val any, found bool, err error)
	// MultiGetValue returns one value and one found flag per key, in order.
	MultiGetValue(ctx context.Context, keys []string) (vals []any, found []bool, err error)
	SetValue(ctx context.Context, key string, val any, ttl time.Duration) error
	MultiSetValue(ctx context.Context, keys []string, vals []any, ttl time.Duration) error
	AddValue(ctx context.Context, key string, val any, ttl time.Duration) (added bool, err error)
	GetValueVersion(ctx context.Context, key string) (val any, ver Version, found bool, err error)
	CompareAndSwapValue(ctx context.Context, key string, ver Version, val any, ttl time.Duration) (newVer Version, swapped bool, err error)
}
