package loader

import (
	"context"
	"errors"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// DefaultLease is the lease of the lock of a load when Options.Lease is 0.
const DefaultLease = 10 * time.Second

// Options configure a Loader. The zero value is valid.
type Options[K comparable, V any] struct {
	// Lease is the lease of the key's lock.Red while one caller loads: how
	// long other processes wait for it at most between two extensions. The
	// lock is extended while fn runs, so a load may take longer. 0 means
	// DefaultLease; < 0 makes New fail.
	Lease time.Duration
	// Write are the options of the write of a loaded value (e.g.
	// cache.TTL); none: the cache's default TTL.
	Write []cache.WriteOption
	// Batch loads the missing keys of a MultiGet in one call; keys it
	// leaves out of its map have no value. nil: MultiGet loads each miss
	// with fn, concurrently.
	Batch func(ctx context.Context, keys []K) (map[K]V, error)
	// MissTTL > 0 remembers an ErrNotFound result this long (negative
	// caching), in the store so that other processes see it; 0 never does;
	// < 0 makes New fail.
	MissTTL time.Duration
}

// ErrNotFound is returned by fn (wrapped or not) for a key that has no
// value, and matched by the error Get returns for it.
var ErrNotFound = errors.New("loader: not found")

// errPanicked is matched by the error of the callers that shared a flight
// whose fn panicked (the caller that started it gets the panic).
var errPanicked = errors.New("loader: fn panicked")
