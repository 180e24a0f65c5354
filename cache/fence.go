package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// FenceSuffix names the counter of the fencing tokens of an entry, beside
// it (lock.Red's "k-lock" counts at "k-lock-fence"), where a store that is
// no Fencer keeps it.
const FenceSuffix = "-fence"

// fenceTTL is how long the counter of an entry's fencing tokens lives
// after it is made: past it, tokens restart from the clock, which is above
// every token drawn before (as long as acquisitions are fewer than a
// million a second), so that counters of locks no longer used go away.
const fenceTTL = 24 * time.Hour

// AddFenced writes val with the given ttl if the entry is absent, as Add
// does, and if it did, returns the next fencing token of the entry: a
// number greater than every token drawn for it before, by any process, on
// the store (see Fencer). On a store that is not a Fencer it takes two
// steps, and an add whose token came later than ttl after it was sent
// (the entry may have expired and been taken by another meanwhile, with a
// greater token) is undone and reported as not added.
func (e Entry) AddFenced(ctx context.Context, val []byte, ttl time.Duration) (fence uint64, added bool, err error) {
	if err := e.check(ctx); err != nil {
		return 0, false, err
	}
	if e.b.fence != nil {
		fence, added, err = e.b.fence.AddFenced(ctx, e.key, val, ttl)
		if !errors.Is(err, errors.ErrUnsupported) {
			return fence, added, err
		}
	}
	sent := time.Now()
	if added, err = e.b.store.Add(ctx, e.key, val, ttl); err != nil || !added {
		return 0, false, err
	}
	fence, err = e.b.nextFence(ctx, e.key+FenceSuffix)
	if err == nil && time.Since(sent) < ttl {
		return fence, true, nil
	}
	// Undo the add: the caller does not hold the entry (it failed to
	// draw a token, or may have lost the entry meanwhile).
	_, _ = e.b.store.CompareAndDelete(context.WithoutCancel(ctx), e.key, val)
	return 0, false, err
}

// maxFenceAttempts bounds the rewrites of nextFence's compare-and-swap
// loop that lose a race with another.
const maxFenceAttempts = 100

// nextFence increments the counter at key and returns it. A new counter
// (the first, or one that was lost) starts at the clock in microseconds,
// above every token drawn from a counter before it.
func (b *backend) nextFence(ctx context.Context, key string) (uint64, error) {
	floor := time.Now().UnixMicro()
	if b.incr != nil {
		n, err := b.incr.Increment(ctx, key, 1)
		if err != nil || n != 1 {
			return uint64(n), err
		}
		// A new counter: start it at the clock, and give it an expiry.
		// Every step is an atomic increment, so callers still get
		// distinct, growing tokens (and they hold the lock, one at a
		// time, while they draw them).
		if n, err = b.incr.Increment(ctx, key, floor-n); err != nil {
			return 0, err
		}
		_, err = b.expireKey(ctx, key, fenceTTL)
		return uint64(n), err
	}
	for range maxFenceAttempts {
		cur, ver, found, err := b.store.GetVersion(ctx, key)
		if err != nil {
			return 0, err
		}
		next := floor
		if n, perr := strconv.ParseInt(string(cur), 10, 64); found && perr == nil && n >= floor {
			next = n + 1
		}
		text := strconv.AppendInt(nil, next, 10)
		if !found {
			if added, err := b.store.Add(ctx, key, text, fenceTTL); err != nil || added {
				return uint64(next), err
			}
			continue
		}
		if _, swapped, err := b.store.CompareAndSwap(ctx, key, ver, text, fenceTTL); err != nil || swapped {
			return uint64(next), err
		}
	}
	return 0, fmt.Errorf("cache: fence %q: the counter kept changing under %d attempts", key, maxFenceAttempts)
}
