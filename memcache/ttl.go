package memcache

import (
	"context"
	"math"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
)

// maxRelative is the longest expiry memcached reads as relative seconds;
// larger values are absolute Unix times.
const maxRelative = 30 * 24 * 60 * 60

// expiry returns the memcached Expiration and the Flags of a write at now
// with ttl (see "Expiry" in the package documentation).
//
// memcached's clock moves in one-second ticks and an entry expires at the
// tick that reaches its expiry, so an entry given n seconds lives between
// n-1 and n seconds. To live at least ttl, an entry is given ttl rounded up
// to whole seconds plus one: between 1 and 2 seconds for ttl = 300ms, never
// 0, which memcached reads as "never expire". Up to 30 days this is sent
// as relative seconds; beyond, as the absolute Unix time, as memcached
// requires, capped at the largest int32 (January 2038).
//
// Flags record the absolute deadline in Unix seconds, now+ttl rounded up
// plus the same second (0 for no expiry): memcached does not tell a client
// how long an entry has left, and the store needs it to rewrite an entry
// without changing its expiry (see keptExpiry).
func expiry(now time.Time, ttl time.Duration) (exp int32, flags uint32) {
	if ttl <= 0 {
		return 0, 0
	}
	secs := int64(ttl / time.Second)
	if ttl%time.Second != 0 {
		secs++
	}
	secs++ // the tick that may come right after the write
	end := now.Add(ttl)
	deadline := end.Unix() + 1
	if end.Nanosecond() > 0 {
		deadline++
	}
	flags = uint32(min(deadline, math.MaxUint32))
	if secs <= maxRelative {
		return int32(secs), flags
	}
	return int32(min(deadline, math.MaxInt32)), flags
}

// keptExpiry returns the Expiration that keeps the expiry of an entry
// with flags, read at now with ttl seconds left (-1: none) if known (see
// readItem): those seconds, as memcached counts them from the tick it
// answered at (so the entry expires at most a tick later), or an absolute
// time past 30 days. If the seconds left are not known (the store could
// not send memcached's meta get), it is the deadline that the store
// recorded in flags (see recordedExpiry).
func keptExpiry(now time.Time, flags uint32, ttl int64, known bool) int32 {
	switch {
	case !known:
		return recordedExpiry(flags)
	case ttl < 0:
		return 0
	case ttl == 0:
		ttl = 1 // expiring now; 0 would mean "never"
	}
	if ttl <= maxRelative {
		return int32(ttl)
	}
	return int32(min(now.Unix()+ttl, math.MaxInt32))
}

// recordedExpiry returns the Expiration that keeps the deadline recorded
// in flags by an earlier write of the store: the absolute time itself,
// which memcached reads as absolute (it is past 30 days) and treats as
// already expired if it has passed. Flags of 0, or too small to be a
// deadline (another client wrote the entry with flags of its own), keep
// no expiry.
func recordedExpiry(flags uint32) int32 {
	if flags <= maxRelative {
		return 0
	}
	return int32(min(int64(flags), math.MaxInt32))
}

// GetTTL returns the value of key, the time it has left by the deadline
// recorded in its flags (see Expiry in the package documentation), and
// whether it was found. The deadline is in whole seconds and includes the
// store's second of safety, so the entry may be gone up to a second or so
// earlier; an entry without a recorded deadline (none, or written by
// another client) reports 0.
func (s *Store) GetTTL(ctx context.Context, key string) ([]byte, time.Duration, bool, error) {
	it, err := call(ctx, s, "get ttl", req{key: key}, func(s *Store, ctx context.Context, r req) (*gm.Item, error) {
		_, it, err := s.lookup(ctx, "get ttl", r.key)
		return it, err
	})
	if err != nil || it == nil {
		return nil, 0, false, err
	}
	return it.Value, ttlOf(it), true, nil
}

// ttlOf returns the time it has left by the deadline recorded in its
// flags: 0 for none, at least a millisecond for one (see GetTTL).
func ttlOf(it *gm.Item) time.Duration {
	if it.Flags <= maxRelative {
		return 0
	}
	return max(time.Until(time.Unix(int64(it.Flags), 0)), time.Millisecond)
}
