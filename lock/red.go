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
	c     *cache.Cache[K, V]
	entry cache.Entry   // the lock's entry
	ttl   time.Duration // the lease
	err   error         // a construction error, returned by Acquire
	token []byte        // the token of the entry while this Red holds the lock, else nil
	fence uint64        // the fencing token of the acquisition held, 0 when none
}

// NewRed returns a lock on key of c with the given lease: the longest time
// the lock is held (its entry expires then) and the longest time Acquire
// waits. Acquire reports a lease that is not > 0 with ErrInvalidLease.
func NewRed[K comparable, V any](c *cache.Cache[K, V], key K, lease time.Duration) *Red[K, V] {
	if c == nil {
		return &Red[K, V]{ttl: lease, err: errors.New("lock: nil cache")}
	}
	return &Red[K, V]{c: c, entry: c.Entry(key, lockSuffix), ttl: lease}
}

// cleanupTimeout bounds the clean-up of an Acquire that failed after its
// add was sent (see Acquire).
const cleanupTimeout = 5 * time.Second

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
// > 0, an error matching ctx.Err() when ctx ends first, and the store's
// error when the store fails (also while waiting). It leaves nothing
// behind: when its add of the entry failed in a way that leaves unknown
// whether the add reached the store (ctx ended, the connection broke), it
// removes its own token, with a compare-and-delete on a context of its own
// and in the background, so that Acquire returns at once and the next
// Acquire does not wait out an orphan lease (its waiters are woken by the
// delete). Calling Acquire on a Red that holds the lock is an error:
// Release it first.
func (l *Red[K, V]) Acquire(ctx context.Context) (owned bool, err error) {
	if err := l.check(ctx); err != nil {
		return false, err
	}
	start := time.Now()
	if added, err := l.add(ctx); added || err != nil {
		return added, err
	}
	wctx, began := l.c.Begin(ctx, cache.OpLockWait, l.entry.Key())
	gone, err := waitHolder(wctx, l.entry, start.Add(l.ttl))
	l.c.End(wctx, began, cache.Event{Op: cache.OpLockWait, Key: l.entry.Key(), Err: err, Ok: gone})
	if err != nil {
		return false, errorf("acquire", l.entry, err)
	}
	return false, nil
}

// TryAcquire takes the lock if it is free, without waiting, and reports
// whether it did: Acquire's twin for a caller that does other work when
// the lock is held. Its errors are Acquire's, and it leaves nothing behind
// as Acquire does.
func (l *Red[K, V]) TryAcquire(ctx context.Context) (owned bool, err error) {
	if err := l.check(ctx); err != nil {
		return false, err
	}
	return l.add(ctx)
}

// check returns the error of an Acquire that cannot be made.
func (l *Red[K, V]) check(ctx context.Context) error {
	switch {
	case l.err != nil:
		return l.err
	case ctx == nil:
		return fmt.Errorf("%w: nil context", cache.ErrInvalidUse)
	case l.ttl <= 0:
		return fmt.Errorf("%w: %v for %q", ErrInvalidLease, l.ttl, l.entry.Key())
	case l.token != nil:
		return fmt.Errorf("lock: acquire %q: already held by this lock; release it first", l.entry.Key())
	}
	return nil
}

// add writes a new token to the lock's entry if it is free, and then
// holds the lock. An add whose outcome is unknown is cleaned up after.
func (l *Red[K, V]) add(ctx context.Context) (bool, error) {
	token := []byte(rand.Text())
	actx, began := l.c.Begin(ctx, cache.OpLockAcquire, l.entry.Key())
	fence, added, err := l.entry.AddFenced(actx, token, l.ttl)
	l.c.End(actx, began, cache.Event{Op: cache.OpLockAcquire, Key: l.entry.Key(), Err: err, Ok: added})
	if err != nil {
		go l.cleanUp(context.WithoutCancel(ctx), token)
		return false, errorf("acquire", l.entry, err)
	}
	if added {
		l.token, l.fence = token, fence
	}
	return added, nil
}

// cleanUp removes token from the lock's entry, if an add whose outcome
// Acquire could not learn put it there. The add may still be on its way
// to the store (on another connection than the delete), so a delete that
// finds nothing looks again, a few times, for as long as an add in flight
// could take to land.
func (l *Red[K, V]) cleanUp(ctx context.Context, token []byte) {
	ctx, cancel := context.WithTimeout(ctx, min(cleanupTimeout, l.ttl))
	defer cancel()
	for wait := time.Millisecond; ; wait *= 4 {
		if deleted, err := l.entry.CompareAndDelete(ctx, token); deleted || err != nil {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
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
	if ctx == nil {
		return fmt.Errorf("%w: nil context", cache.ErrInvalidUse)
	}
	ctx, began := l.c.Begin(ctx, cache.OpLockRelease, l.entry.Key())
	deleted, err := l.entry.CompareAndDelete(ctx, l.token)
	l.c.End(ctx, began, cache.Event{Op: cache.OpLockRelease, Key: l.entry.Key(), Err: err, Ok: deleted})
	if err != nil {
		return errorf("release", l.entry, err)
	}
	l.token, l.fence = nil, 0
	return nil
}

// Extend restarts the lease from now if this Red still holds the lock: if
// the lock's entry still holds its token, atomically, it gets the lease
// again as its expiry. It returns held == false, and changes nothing, for a
// lock that this Red does not hold (never acquired, released, expired or
// taken over). A holder whose work takes longer than the lease extends it
// before it runs out, so that nobody else starts the same work meanwhile.
// The fence (see Fence) stays the same.
func (l *Red[K, V]) Extend(ctx context.Context) (held bool, err error) {
	if l.token == nil {
		return false, nil
	}
	if ctx == nil {
		return false, fmt.Errorf("%w: nil context", cache.ErrInvalidUse)
	}
	ctx, began := l.c.Begin(ctx, cache.OpLockExtend, l.entry.Key())
	held, err = l.entry.CompareAndExpire(ctx, l.token, l.ttl)
	l.c.End(ctx, began, cache.Event{Op: cache.OpLockExtend, Key: l.entry.Key(), Err: err, Ok: held})
	if err != nil {
		return false, errorf("extend", l.entry, err)
	}
	return held, nil
}

// Fence returns the fencing token of the acquisition this Red holds, 0 if
// it holds none: a number strictly greater than that of every earlier
// acquisition of the key's lock, by any process on the store, which Extend
// keeps. Red is no mutual exclusion, but a resource that remembers the
// greatest fence it accepted, and refuses smaller ones, refuses a holder
// whose lease expired while it paused (a GC pause, a slow disk) once the
// next holder has written: the classic failure of lease locks.
//
// On Redis the token is drawn in the same script as the acquisition (on a
// Cluster, when the key has a hash tag, "{user:42}", so that the counter
// shares its slot); elsewhere just after it, one more round trip (an
// acquisition whose token came later than its lease is undone). Tokens
// come from a counter beside the lock's entry ("-lock-fence"), and are
// never below the store's clock in microseconds, so they keep growing when
// the counter is lost (evicted, cleared, or behind after a failover), as
// long as acquisitions of one key are fewer than a million a second and
// the clocks of the servers agree.
func (l *Red[K, V]) Fence() uint64 {
	if l.token == nil {
		return 0
	}
	return l.fence
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
