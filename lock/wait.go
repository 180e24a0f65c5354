package lock

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// minRecheck is the shortest time between two reads of a holder whose
// expiry has come but whose entry is still there (a store whose clock
// ticks in seconds, such as memcached's).
const minRecheck = 5 * time.Millisecond

// waitHolder waits for the holder of entry, as found when it starts, to
// let go of it: until the entry is gone or holds another token (released,
// deleted or overwritten by anyone, expired, taken over), until, or until
// ctx ends, whichever is first. It reports whether the holder let go
// (false: until came first, or the entry was free from the start). It
// returns ctx's error if ctx ends first, and the store's if it fails. It
// leaves no watch or timer behind.
//
// It learns of a change through the entry's Watch (the store's Watcher,
// or polling) and reads the entry again after each hint, so a stale hint
// (a change before this holder, announced late) does not end the wait. It
// also wakes when the holder's entry is due to expire, if the store tells
// its remaining TTL (cache.TTLGetter), so that the waiters of a holder
// that crashed go on at its expiry rather than at the end of their own
// lease; a holder that extended its lease meanwhile is waited for again.
func waitHolder(ctx context.Context, entry cache.Entry, until time.Time) (bool, error) {
	var holder []byte // nil until the first read
	for {
		if holder != nil {
			// Woken (by a change, or at the holder's expiry): most often
			// the holder is gone, which one read tells, so read before
			// watching again (a round trip less where a watch costs one).
			token, _, held, err := entry.GetTTL(ctx)
			if err != nil {
				return false, err
			}
			if !held || !bytes.Equal(token, holder) {
				return true, nil
			}
		}
		// Watch before reading the holder: a change after the read then
		// closes the channel, and one before it shows in the read.
		changed, stop, err := entry.Watch(ctx)
		if err != nil {
			return false, err
		}
		token, ttl, held, err := entry.GetTTL(ctx)
		if err != nil {
			stop()
			return false, err
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
		err = sleep(ctx, changed, wake)
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
func sleep(ctx context.Context, changed <-chan struct{}, wake time.Time) error {
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
		return ctx.Err()
	}
	return nil
}

// errorf wraps err with what the lock was doing on entry.
func errorf(what string, entry cache.Entry, err error) error {
	return fmt.Errorf("lock: %s %q: %w", what, entry.Key(), err)
}
