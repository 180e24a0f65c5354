package cache

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// A Lease is the entry of a lease lock on one key of a Cache: a token of
// bytes with an expiry, kept at KeyWithSuffix(key, suffix) in the cache's
// namespace and written and compared as it is, not through the serializer.
// Package lock builds lock.Red on it. Every method is reported to the
// cache's hooks (OpLockAcquire, OpLockWait, OpLockRelease, OpLockExtend).
//
// A Lease holds no state beyond its key: any number of them may name the
// same entry, and each is safe for concurrent use.
type Lease struct {
	key   string
	b     *backend
	hooks []Hook
}

// Lease returns the lease entry of key with suffix: the lock of key.
func (c *Cache[K, V]) Lease(key K, suffix string) *Lease {
	return &Lease{key: c.KeyWithSuffix(key, suffix), b: &c.b, hooks: c.hooks}
}

// Key returns the backend key of the entry.
func (l *Lease) Key() string { return l.key }

// TryAcquire writes token with the given ttl if the entry is absent,
// atomically, and reports whether it did.
func (l *Lease) TryAcquire(ctx context.Context, token []byte, ttl time.Duration) (bool, error) {
	start := begin(l.hooks)
	added, err := l.b.store.Add(ctx, l.key, token, ttl)
	end(ctx, l.hooks, start, Event{Op: OpLockAcquire, Key: l.key, Err: err, Ok: added})
	return added, err
}

// Release deletes the entry if it holds token, atomically, and reports
// whether it did.
func (l *Lease) Release(ctx context.Context, token []byte) (bool, error) {
	start := begin(l.hooks)
	deleted, err := l.b.store.CompareAndDelete(ctx, l.key, token)
	end(ctx, l.hooks, start, Event{Op: OpLockRelease, Key: l.key, Err: err, Ok: deleted})
	return deleted, err
}

// Extend gives the entry a new ttl, from now, if it holds token, and
// reports whether it did; atomically, through the entry's version: a change
// of the entry between the read and the write makes the write fail.
func (l *Lease) Extend(ctx context.Context, token []byte, ttl time.Duration) (bool, error) {
	start := begin(l.hooks)
	extended, err := l.extend(ctx, token, ttl)
	end(ctx, l.hooks, start, Event{Op: OpLockExtend, Key: l.key, Err: err, Ok: extended})
	return extended, err
}

func (l *Lease) extend(ctx context.Context, token []byte, ttl time.Duration) (bool, error) {
	val, ver, found, err := l.b.store.GetVersion(ctx, l.key)
	if err != nil || !found || !bytes.Equal(val, token) {
		return false, err
	}
	_, swapped, err := l.b.store.CompareAndSwap(ctx, l.key, ver, token, ttl)
	return swapped, err
}

// Holder returns the token that the entry holds, and whether there is one.
func (l *Lease) Holder(ctx context.Context) ([]byte, bool, error) {
	return l.b.store.Get(ctx, l.key)
}

// Wait waits for the holder of the entry, as found when Wait starts, to let
// go of it: until the entry is gone or holds another token (released,
// deleted or overwritten by anyone, expired, taken over), until, or until
// ctx ends, whichever is first. It reports whether the holder let go
// (false: until came first, or the entry was free from the start). It
// returns ctx's error if ctx ends first, and the store's if it fails. It
// leaves no watch or timer behind.
//
// It learns of a change through the store's Watcher (PollWatcher for a
// store that is not one) and reads the entry again after each hint, so a
// stale hint (a change before this holder, announced late) does not end
// the wait. It also wakes when the holder's entry is due to expire, if the
// store tells its remaining TTL (TTLGetter), so that the waiters of a
// holder that crashed go on at its expiry rather than at the end of their
// own lease; a holder that extended its lease meanwhile is waited for
// again.
func (l *Lease) Wait(ctx context.Context, until time.Time) (gone bool, err error) {
	start := begin(l.hooks)
	gone, err = l.wait(ctx, until)
	end(ctx, l.hooks, start, Event{Op: OpLockWait, Key: l.key, Err: err, Ok: gone})
	return gone, err
}

// minRecheck is the shortest time between two reads of a holder whose
// expiry has come but whose entry is still there (a store whose clock
// ticks in seconds, such as memcached's).
const minRecheck = 5 * time.Millisecond

func (l *Lease) wait(ctx context.Context, until time.Time) (bool, error) {
	var holder []byte // nil until the first read
	for {
		if holder != nil {
			// Woken (by a change, or at the holder's expiry): most often
			// the holder is gone, which one read tells, so read before
			// watching again (a round trip less where a watch costs one).
			token, _, held, err := l.b.getTTL(ctx, l.key)
			if err != nil {
				return false, fmt.Errorf("cache: wait for %q: %w", l.key, err)
			}
			if !held || !bytes.Equal(token, holder) {
				return true, nil
			}
		}
		// Watch before reading the holder: a change after the read then
		// closes the channel, and one before it shows in the read.
		changed, stop, err := l.b.watch.Watch(ctx, l.key)
		if err != nil {
			return false, fmt.Errorf("cache: wait for %q: %w", l.key, err)
		}
		token, ttl, held, err := l.b.getTTL(ctx, l.key)
		if err != nil {
			stop()
			return false, fmt.Errorf("cache: wait for %q: %w", l.key, err)
		}
		if !held || (holder != nil && !bytes.Equal(token, holder)) {
			stop()
			return holder != nil, nil
		}
		holder = token
		wake := until
		if ttl > 0 {
			if due := time.Now().Add(max(ttl, minRecheck)); due.Before(until) {
				wake = due
			}
		}
		err = l.sleep(ctx, changed, wake)
		stop()
		switch {
		case err != nil:
			return false, err
		case !time.Now().Before(until):
			return false, nil
		}
	}
}

// sleep blocks until changed is closed, until wake, or until ctx ends
// (ctx's error).
func (l *Lease) sleep(ctx context.Context, changed <-chan struct{}, wake time.Time) error {
	d := time.Until(wake)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-changed:
	case <-timer.C:
	case <-ctx.Done():
		return fmt.Errorf("cache: wait for %q: %w", l.key, ctx.Err())
	}
	return nil
}
