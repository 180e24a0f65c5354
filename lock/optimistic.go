package lock

import (
	"context"
	"errors"
	"fmt"

	"github.com/cachekit/cachekit/cache"
)

// Optimistic is a compare-and-set lock on one key of a cache: it reads the
// key when it starts and later writes only if the key has not changed
// since. Nothing is held in the store meanwhile, so other writers are
// never blocked; they make CAS fail instead.
//
// What "changed" means depends on the store: memory and memcached compare
// versions (an entry's write counter, memcached's CAS id), so a value
// changed from A to B and back to A is a change; Redis compares the stored
// bytes, so it is not.
//
// An Optimistic is not safe for concurrent use by several goroutines. See
// Update for the usual retry loop.
type Optimistic[K comparable, V any] struct {
	c     *cache.Cache[K, V]
	key   K
	val   V
	found bool
	ver   cache.Version // the version of val; nil when !found
}

// NewOptimistic starts an optimistic lock on key of c: it reads the key's
// value and version and remembers them. It returns the error of the read,
// such as one matching cache.ErrDecode.
func NewOptimistic[K comparable, V any](ctx context.Context, c *cache.Cache[K, V], key K) (*Optimistic[K, V], error) {
	if c == nil {
		return nil, errors.New("lock: nil cache")
	}
	v, ver, found, err := c.GetVersion(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("lock: read %q: %w", c.Key(key), err)
	}
	return &Optimistic[K, V]{c: c, key: key, val: v, found: found, ver: ver}, nil
}

// Value returns the value the lock read when it started, and whether the
// key existed; after a successful CAS, the value CAS wrote and true.
func (o *Optimistic[K, V]) Value() (V, bool) { return o.val, o.found }

// CAS writes val under the key, with the cache's usual expiry rules (opts
// as for Cache.Set), only if the key still holds what the lock read, in one
// atomic step on the store. Otherwise, including when the key was deleted
// since, it writes nothing and returns an error matching ErrConflict.
//
// A key that did not exist when the lock started never conflicts: the
// first CAS then writes unconditionally. After a successful CAS the lock
// holds what it wrote, so another CAS succeeds if nobody wrote in between.
func (o *Optimistic[K, V]) CAS(ctx context.Context, val V, opts ...cache.WriteOption) error {
	if o.found && o.ver == nil {
		// A nil version would make the write unconditional.
		return fmt.Errorf("lock: cas %q: the store returned no version", o.c.Key(o.key))
	}
	ver, swapped, err := o.c.CompareAndSwap(ctx, o.key, o.ver, val, opts...)
	if err != nil {
		return fmt.Errorf("lock: cas %q: %w", o.c.Key(o.key), err)
	}
	if !swapped {
		return fmt.Errorf("%w: key %q changed since the lock started", ErrConflict, o.c.Key(o.key))
	}
	o.val, o.found, o.ver = val, true, ver
	return nil
}
