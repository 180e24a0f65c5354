package lock

import (
	"context"
	"errors"
	"fmt"

	"github.com/cachekit/cachekit/cache"
)

// Update runs the optimistic read-modify-write loop on key of c: it reads
// the key, calls fn with its value and whether it was found, and writes
// fn's result only if the key has not changed since the read; on a
// conflict it starts again, up to attempts times in all (at least once).
// It returns the value written.
//
// Unlike a bare Optimistic.CAS, Update never overwrites a value that
// appeared while fn ran: when the key was missing it writes with
// Cache.Add, which fails (and Update retries) if another writer got there
// first. So concurrent Updates lose no update. Each conflict means another
// writer succeeded.
//
// fn must not have effects beyond computing the new value: it may run
// several times. An error from fn stops Update, which returns it as it is.
// After attempts conflicts Update returns an error matching ErrConflict.
// opts apply to the write as in Cache.Set.
func Update[K comparable, V any](ctx context.Context, c *cache.Cache[K, V], key K, attempts int, fn func(old V, found bool) (V, error), opts ...cache.WriteOption) (V, error) {
	var zero V
	attempts = max(attempts, 1)
	for i := 1; ; i++ {
		o, err := NewOptimistic(ctx, c, key)
		if err != nil {
			return zero, err
		}
		old, found := o.Value()
		v, err := fn(old, found)
		if err != nil {
			return zero, err
		}
		if found {
			err = o.CAS(ctx, v, opts...)
		} else if err = c.Add(ctx, key, v, opts...); errors.Is(err, cache.ErrExists) {
			err = fmt.Errorf("%w: key %q was written since it was found missing", ErrConflict, c.Key(key))
		}
		switch {
		case err == nil:
			return v, nil
		case !errors.Is(err, ErrConflict):
			return zero, err
		case i >= attempts:
			return zero, fmt.Errorf("%w (update gave up after %d attempts)", err, attempts)
		}
	}
}
