package lock

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/leasewait"
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
	store cache.Store
	key   string // the backend key of the lock's entry
	lease time.Duration
	err   error  // a construction error, returned by Acquire
	token []byte // the token of the entry while this Red holds the lock, else nil
}

// NewRed returns a lock on key of c with the given lease: the longest time
// the lock is held (its entry expires then) and the longest time Acquire
// waits. Acquire reports a lease that is not > 0 with ErrInvalidLease.
func NewRed[K comparable, V any](c *cache.Cache[K, V], key K, lease time.Duration) *Red[K, V] {
	if c == nil {
		return &Red[K, V]{lease: lease, err: errors.New("lock: nil cache")}
	}
	return &Red[K, V]{store: c.Store(), key: c.KeyWithSuffix(key, lockSuffix), lease: lease}
}

// Acquire takes the lock if it is free and returns owned == true; the
// caller must then Release it.
//
// If the lock is held, by this process or another, Acquire waits until the
// holder releases it or until the lease has passed since Acquire was
// called, whichever is first, and returns owned == false and a nil error.
// It does not take the lock after waiting: the caller goes on without it,
// typically to read what the holder stored. The holder waited for is the
// one whose token Acquire found: when it is gone (released, expired, or
// replaced by a new holder) the wait ends; a wake-up that finds it still
// there (a late release message of an earlier holder) does not.
//
// Acquire returns an error matching ErrInvalidLease for a lease that is not
// > 0, an error matching ctx.Err() when ctx ends first (leaving nothing
// behind), and the store's error when the store fails (also while
// waiting). Calling Acquire on a
// Red that holds the lock is an error: Release it first.
func (l *Red[K, V]) Acquire(ctx context.Context) (owned bool, err error) {
	start := time.Now()
	switch {
	case l.err != nil:
		return false, l.err
	case l.lease <= 0:
		return false, fmt.Errorf("%w: %v for %q", ErrInvalidLease, l.lease, l.key)
	case l.token != nil:
		return false, fmt.Errorf("lock: acquire %q: already held by this lock; release it first", l.key)
	}
	token := []byte(rand.Text())
	added, err := l.store.Add(ctx, l.key, token, l.lease)
	if err != nil {
		return false, fmt.Errorf("lock: acquire %q: %w", l.key, err)
	}
	if added {
		l.token = token
		return true, nil
	}
	return false, l.wait(ctx, start)
}

// wait blocks until the holder that kept Acquire from taking the lock lets
// it go (its token leaves the entry: released, expired or taken over), the
// lease has passed since start, or ctx ends. It leaves no waiter, watch or
// timer behind.
func (l *Red[K, V]) wait(ctx context.Context, start time.Time) error {
	var holder []byte // the token of the holder waited for; nil until read
	for {
		woken, err := l.waitForWake(ctx, start, &holder)
		if err != nil || !woken {
			return err
		}
		// A wake-up may be stale: the release message of an earlier holder
		// delivered late, or a release here racing a new acquisition. Go
		// on only if the holder waited for is gone; else wait again.
		token, held, err := l.store.Get(ctx, l.key)
		if err != nil {
			return fmt.Errorf("lock: wait for %q: %w", l.key, err)
		}
		if !held || !bytes.Equal(token, holder) {
			return nil
		}
	}
}

// waitForWake registers for the release of the lock, checks that the lock
// is still held by *holder (recording the holder if *holder is nil), and
// then blocks until a wake-up, the end of the lease, or the end of ctx. It
// reports whether it was woken; false with a nil error means the caller
// goes on (the holder is gone or the lease is over).
func (l *Red[K, V]) waitForWake(ctx context.Context, start time.Time, holder *[]byte) (woken bool, err error) {
	// Register before checking who holds the lock: a release after the
	// check then wakes us, and one before it shows in the check.
	released, done := leasewait.Wait(l.store, l.key)
	defer done()
	var watched <-chan struct{} // nil (never ready) without a watch
	if w, ok := l.store.(releaseWatcher); ok {
		ch, stop, err := w.WatchRelease(ctx, l.key)
		if err != nil {
			return false, fmt.Errorf("lock: wait for %q: %w", l.key, err)
		}
		defer stop()
		watched = ch
	}
	token, held, err := l.store.Get(ctx, l.key)
	if err != nil {
		return false, fmt.Errorf("lock: wait for %q: %w", l.key, err)
	}
	if !held || (*holder != nil && !bytes.Equal(token, *holder)) {
		return false, nil
	}
	*holder = token
	remaining := l.lease - time.Since(start)
	if remaining <= 0 {
		return false, nil
	}
	timer := time.NewTimer(remaining)
	defer timer.Stop()
	select {
	case <-released:
		return true, nil
	case <-watched:
		return true, nil
	case <-timer.C:
		return false, nil
	case <-ctx.Done():
		return false, fmt.Errorf("lock: wait for %q: %w", l.key, ctx.Err())
	}
}

// Release releases the lock if this Red holds it: it deletes the lock's
// entry only if the entry still holds this Red's token, atomically, and
// wakes the waiters. Releasing a lock that this Red does not hold (never
// acquired, waited without owning, already released, expired, or taken
// over by another holder since) deletes nothing and returns nil.
//
// If the store fails, Release returns its error and the Red still counts
// as holding the lock, so Release may be called again.
func (l *Red[K, V]) Release(ctx context.Context) error {
	if l.token == nil {
		return nil
	}
	deleted, err := l.store.CompareAndDelete(ctx, l.key, l.token)
	if err != nil {
		return fmt.Errorf("lock: release %q: %w", l.key, err)
	}
	l.token = nil
	if deleted {
		leasewait.Release(l.store, l.key)
	}
	return nil
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
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), max(l.lease, time.Second))
			defer cancel()
			if rerr := l.Release(rctx); err == nil {
				err = rerr
			}
		}()
	}
	return fn(ctx)
}
