package cache

import (
	"context"
	"time"
)

// Store is the byte-level backend of a Cache: the nine operations that
// every store has. The memory, rueidis and memcache packages implement it;
// users may implement it for other backends and check their implementation
// with package cache/cachetest (and lock/locktest for the locks).
//
// What a backend can do beyond these, natively and better than the Cache
// could with them, it says by implementing the optional interfaces of this
// package: MultiGetter, MultiSetter, Exister, Incrementer, Expirer,
// Extender, Fencer, TTLGetter, MultiTTLGetter, MultiVersionGetter,
// Watcher, Namespacer, ValueStore, ValueTTLGetter, WordStore and
// WordTTLGetter. A Cache looks for them once, in New, and falls back on
// the required methods where one is missing (each optional interface says
// how).
//
// Keys are full backend keys (namespace already applied, see Cache.Key).
// Values are opaque bytes that the store keeps exactly. A store that holds
// on to a slice it was given copies it first (the caller may reuse it), and
// the slices it returns belong to the caller. A ttl of 0 means
// "never expire"; a positive ttl is the entry's lifetime. Stores never see a
// negative ttl.
//
// Every method honours ctx: once ctx has ended it returns ctx's error
// unchanged (context.Canceled or context.DeadlineExceeded, also when the
// deadline passed a moment before ctx's timer fired), whatever its backend
// reported meanwhile. After Close every method but Close returns an error
// matching ErrClosed.
//
// Methods report backend conditions as results, not errors: a miss is
// found == false, a failed add is added == false, a failed compare is
// swapped/deleted == false. Errors are for failures only.
type Store interface {
	// Get returns the value of key and whether it was found.
	Get(ctx context.Context, key string) (val []byte, found bool, err error)
	// GetVersion returns the value of key with a version token for
	// CompareAndSwap.
	GetVersion(ctx context.Context, key string) (val []byte, ver Version, found bool, err error)
	// Set writes val under key with the given ttl, replacing any value and
	// any earlier expiry.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Add writes val only if key is absent, atomically, and reports whether
	// it did.
	Add(ctx context.Context, key string, val []byte, ttl time.Duration) (added bool, err error)
	// CompareAndSwap writes val only if key still holds the version ver,
	// atomically, and returns the version of what it wrote. With ver == nil
	// it writes unconditionally. A key deleted since ver was read does not
	// match.
	CompareAndSwap(ctx context.Context, key string, ver Version, val []byte, ttl time.Duration) (newVer Version, swapped bool, err error)
	// Delete removes key and reports whether it existed.
	Delete(ctx context.Context, key string) (existed bool, err error)
	// CompareAndDelete deletes key only if its value equals token,
	// atomically, and reports whether it did.
	CompareAndDelete(ctx context.Context, key string, token []byte) (deleted bool, err error)
	// Clear removes every key under namespace + ":"; with namespace == ""
	// it empties the whole store.
	Clear(ctx context.Context, namespace string) error
	// Close releases the store's resources; later calls return ErrClosed.
	// It is idempotent.
	Close() error
}

// Version is an opaque token that a store returns from GetVersion and
// CompareAndSwap and accepts back in CompareAndSwap. Each store defines its
// own: a counter per entry in memory, a CAS id on memcached, the stored bytes
// on Redis. nil stands for "no version": an unconditional write.
type Version any
