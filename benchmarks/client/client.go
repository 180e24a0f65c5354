// Package client adapts cachekit and the libraries it is measured against
// to the few shapes that the benchmarks drive, one file per library.
//
// A KV is a cache or a store client seen as a map: Get, Set and, when the
// library has them, MultiGet, Add and Increment (the optional interfaces
// below). The benchmarks skip an operation that an adapter does not
// implement rather than emulate it. A Lock is a lease lock taken without
// waiting; a Guard runs the stampede pattern with the library's own way of
// making the other callers wait.
//
// Every adapter is built from a client that the caller configures, so that
// cachekit and the raw client it wraps run on identical connections.
package client

import (
	"context"
	"errors"
)

// lockSuffix names the lock entry of a key for the lock libraries that
// take the entry's name as it is: key+lockSuffix, as cachekit's lock.Red
// does, so that a lock and the value it guards never share an entry.
const lockSuffix = "-lock"

// ErrHeld is returned by Lock.TryLock when the lock is already held.
var ErrHeld = errors.New("client: lock is held")

// KV is a cache or store client with values of type V.
type KV[V any] interface {
	// Name is the library's name, the value of impl= in benchmark names.
	Name() string
	// Get returns the value of key and whether it was found.
	Get(ctx context.Context, key string) (V, bool, error)
	// Set writes val under key without expiry (or with the library's
	// default expiry when it has no way to say "none").
	Set(ctx context.Context, key string, val V) error
	// Close releases what the adapter owns, the client included.
	Close() error
}

// MultiGetter is a KV that reads many keys in one call.
type MultiGetter interface {
	// MultiGet reads keys and returns how many were found.
	MultiGet(ctx context.Context, keys []string) (hits int, err error)
}

// Adder is a KV that writes only absent keys, atomically.
type Adder[V any] interface {
	// Add writes val under key if key is absent and reports whether it did.
	Add(ctx context.Context, key string, val V) (added bool, err error)
}

// Incrementer is a KV that adds to integers in place.
type Incrementer interface {
	// Increment adds delta to the integer under key and returns the result.
	Increment(ctx context.Context, key string, delta int64) (int64, error)
}

// Waiter is a KV that applies writes asynchronously.
type Waiter interface {
	// Wait blocks until the writes made so far are visible to Get.
	Wait()
}

// Lock is a lease lock service.
type Lock interface {
	// Name is the library's name, the value of impl= in benchmark names.
	Name() string
	// TryLock takes the lock on key if it is free, without waiting, and
	// returns the function that releases it. It returns ErrHeld (or an
	// error wrapping it) if the lock is held.
	TryLock(ctx context.Context, key string) (unlock func(context.Context) error, err error)
	// Close releases what the adapter owns, the client included.
	Close() error
}

// Guard is one process's view of a lock service and of the values it
// guards: Do runs fn under the library's stampede protection for key, and
// Get and Set read and write the guarded values with the library's own
// client.
type Guard interface {
	// Name is the library's name, the value of impl= in benchmark names.
	Name() string
	// Do runs fn once the library lets the caller go on: for a mutual
	// exclusion, while holding the lock; for cachekit's lease lock, while
	// holding it or after its holder released it.
	Do(ctx context.Context, key string, fn func(ctx context.Context) error) error
	// Get returns the value of key and whether it was found.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set writes val under key.
	Set(ctx context.Context, key string, val []byte) error
	// Close releases what the adapter owns, the client included.
	Close() error
}

// Updater runs optimistic read-modify-write updates of integer counters.
type Updater interface {
	// Name is the library's name, the value of impl= in benchmark names.
	Name() string
	// Update reads key (0 when missing), writes fn of it only if key has
	// not changed since the read, and starts again on a conflict. It
	// returns how many reads it took: 1 without conflicts.
	Update(ctx context.Context, key string, fn func(old int64) int64) (attempts int, err error)
	// Get returns the counter under key and whether it exists.
	Get(ctx context.Context, key string) (int64, bool, error)
	// Delete removes key.
	Delete(ctx context.Context, key string) error
	// Close releases what the adapter owns, the client included.
	Close() error
}
