package lock

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// lockSuffix is appended to the string form of a key to name its lock.
const lockSuffix = "-lock"

// Red is a lease lock on one key of a cache, for protecting expensive work
// against stampedes: when many callers miss the same key at once, the
// first computes the value while the others wait for it and then find it
// in the cache.
//
// Red is NOT a mutual exclusion that correctness may depend on. A holder
// whose lease expires loses the lock without knowing it; a waiter goes on
// when the holder releases or when its lease is over, whichever is first,
// without taking the lock (so after a lease every waiter runs, as a
// stampede would, only later); and a store that loses data (a memcached
// eviction, a Redis failover) loses locks. Use a coordination service when
// two holders at once would be a bug rather than wasted work.
//
// The lock's entry is the backend key of KeyFunc(key)+"-lock" in the
// cache's namespace, holding a random token with the lease as its expiry.
// Release deletes it only if it still holds this lock's token, atomically,
// so a holder whose lease has expired cannot release the next holder's
// lock.
//
// A Red is one acquisition at a time, by one goroutine: it is not safe for
// concurrent use. Each goroutine makes its own with NewRed, which is cheap
// (no I/O). A Red may be reused after Release: each Acquire that takes the
// lock makes a new token.
type Red[K comparable, V any] struct {
	lease *cache.Lease
	ttl   time.Duration // the lease
	err   error         // a construction error, returned by Acquire
	token []byte        // the token of the entry while this Red holds the lock, else nil
}

// NewRed returns a lock on key of c with the given lease: the longest time
// the lock is held (its entry expires then) and the longest time Acquire
// waits. Acquire reports a lease that is not > 0 with ErrInvalidLease.
func NewRed[K comparable, V any](c *cache.Cache[K, V], key K, lease time.Duration) *Red[K, V] {
	if c == nil {
		return &Red[K, V]{ttl: lease, err: errors.New("lock: nil cache")}
	}
	return &Red[K, V]{lease: c.Lease(key, lockSuffix), ttl: lease}
}

// Acquire takes the lock if it is free and returns owned == true; the
// caller must then Release it.
//
// If the lock is held, by this process or another, Acquire waits until the
// holder lets go of it or until the lease has passed since Acquire was
// called, whichever is first, and returns owned == false and a nil error.
// It does not take the lock after waiting: the caller goes on without it,
// typically to read what the holder stored. The holder waited for is the
// one whose token Acquire found: when it is gone (released, expired, or
// replaced by a new holder) the wait ends; a wake-up that finds it still
// there (a late notice of an earlier holder's release) does not.
//
// Acquire returns an error matching ErrInvalidLease for a lease that is not
// > 0, an error matching ctx.Err() when ctx ends first (leaving nothing
// behind), and the store's error when the store fails (also while
// waiting). Calling Acquire on a Red that holds the lock is an error:
// Release it first.
func (l *Red[K, V]) Acquire(ctx context.Context) (owned bool, err error) {
	start := time.Now()
	switch {
	case l.err != nil:
		return false, l.err
	case l.ttl <= 0:
		return false, fmt.Errorf("%w: %v for %q", ErrInvalidLease, l.ttl, l.lease.Key())
	case l.token != nil:
		return false, fmt.Errorf("lock: acquire %q: already held by this lock; release it first", l.lease.Key())
	}
	token := []byte(rand.Text())
	added, err := l.lease.TryAcquire(ctx, token, l.ttl)
	if err != nil {
		return false, fmt.Errorf("lock: acquire %q: %w", l.lease.Key(), err)
	}
	if added {
		l.token = token
		return true, nil
	}
	if _, err := l.lease.Wait(ctx, start.Add(l.ttl)); err != nil {
		return false, fmt.Errorf("lock: acquire %q: %w", l.lease.Key(), err)
	}
	return false, nil
}

// Release releases the lock if this Red holds it: it deletes the lock's
// entry only if the entry still holds this Red's token, atomically; the
// store then wakes the waiters. Releasing a lock that this Red does not
// hold (never acquired, waited without owning, already released, expired,
// or taken over by another holder since) deletes nothing and returns nil.
//
// If the store fails, Release returns its error and the Red still counts
// as holding the lock, so Release may be called again.
func (l *Red[K, V]) Release(ctx context.Context) error {
	if l.token == nil {
		return nil
	}
	if _, err := l.lease.Release(ctx, l.token); err != nil {
		return fmt.Errorf("lock: release %q: %w", l.lease.Key(), err)
	}
	l.token = nil
	return nil
}

// Extend restarts the lease from now if this Red still holds the lock: if
// the lock's entry still holds its token, atomically, it gets the lease
// again as its expiry. It returns held == false, and changes nothing, for a
// lock that this Red does not hold (never acquired, released, expired or
// taken over). A holder whose work takes longer than the lease extends it
// before it runs out, so that nobody else starts the same work meanwhile.
func (l *Red[K, V]) Extend(ctx context.Context) (held bool, err error) {
	if l.token == nil {
		return false, nil
	}
	held, err = l.lease.Extend(ctx, l.token, l.ttl)
	if err != nil {
		return false, fmt.Errorf("lock: extend %q: %w", l.lease.Key(), err)
	}
	return held, nil
}

// Do acquires the lock, runs fn, and releases the lock if it took it, even
// when fn fails or panics (the panic goes on after the release). fn runs
// whether or not the lock was taken: a caller that waited runs it too, and
// typically finds in the cache what the holder stored. Do returns fn's
// error, else the release's; if Acquire fails, Do returns its error without
// running fn.
//
// The release does not use ctx, so that it happens even when ctx was
// cancelled while fn ran; it is bounded by the lease (at least one
// second), after which the entry has expired anyway.
func (l *Red[K, V]) Do(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	owned, err := l.Acquire(ctx)
	if err != nil {
		return err
	}
	if owned {
		defer func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), max(l.ttl, time.Second))
			defer cancel()
			if rerr := l.Release(rctx); err == nil {
				err = rerr
			}
		}()
	}
	return fn(ctx)
}
