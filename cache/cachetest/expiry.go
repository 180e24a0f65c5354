package cachetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// runExpiry checks every expiry rule in one waiting window: it writes keys
// with a short TTL (sub-second on stores with millisecond TTLs), writes a
// probe last with the same TTL, waits until the probe is gone, and then
// checks what each rule says should be left.
func runExpiry(t *testing.T, h Harness) {
	s := h.store(t)
	ctx := t.Context()
	short := time.Second
	if h.TTLResolution > 0 {
		short = h.TTLResolution / 2 // the store must round up, never to "no expiry"
	}
	// Every write must land, and be checked, well within short: a write
	// that came after the key it rewrites expired (an Increment that
	// recreates it) would test nothing. On a machine too slow for that,
	// the writes are made again with a TTL twice as long, in a namespace
	// of their own.
	var (
		plain, withDefault *cache.Cache[string, int]
		written            time.Time
		incr               = incrementer(s)
	)
	for attempt := 0; ; attempt++ {
		ns := fmt.Sprint(attempt)
		plain = NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "plain" + ns})
		withDefault = NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "default" + ns, TTL: short})
		start := time.Now()
		written = writeExpiring(t, h, plain, withDefault, short, incr)
		if time.Since(start) < short/2 {
			break
		}
		require.Less(t, attempt, 5, "the writes of the expiry test took %v, more than half their TTL of %v, five times", time.Since(start), short)
		short *= 2
	}
	expiring := []string{"ttl", "expire", "incr", "decr", "multi1", "multi2", "add", "cas", "probe"}

	deadline := h.ExpiryDeadline(written, short)
	AwaitGone(t, plain, "probe", deadline)
	if h.TTLResolution == 0 {
		assert.GreaterOrEqual(t, time.Since(written), short-short/10, "a key expired before its TTL")
	}

	for _, k := range expiring {
		if h.TTLResolution > 0 {
			// A store with a coarse clock keeps an expiry to within a
			// tick or two of it: an entry rewritten to keep its expiry
			// (Increment's read-modify-write on memcached sends it as an
			// absolute time, which memcached reads on a clock of its own)
			// may outlive the probe by that. It must still be gone by the
			// deadline; on an exact store it is gone with the probe.
			AwaitGone(t, plain, k, deadline)
		}
		AssertMissing(t, plain, k)
		ok, err := plain.Exists(ctx, k)
		require.NoError(t, err)
		assert.False(t, ok, "Exists(%q) after expiry", k)
	}
	AssertMissing(t, withDefault, "default")
	AssertValue(t, withDefault, "override0", 1)
	AssertValue(t, plain, "replaced", 2)
	AssertValue(t, plain, "persist", 1)

	existed, err := plain.Delete(ctx, "ttl")
	require.NoError(t, err)
	assert.False(t, existed, "Delete of an expired key reports false")
	found, err := plain.Expire(ctx, "ttl", time.Hour)
	require.NoError(t, err)
	assert.False(t, found, "Expire of an expired key reports false")
	require.NoError(t, plain.Add(ctx, "add", 2), "Add succeeds once the key expired")
	AssertValue(t, plain, "add", 2)
	if incr {
		n, err := plain.Increment(ctx, "incr", 5)
		require.NoError(t, err)
		assert.EqualValues(t, 5, n, "an expired counter starts again from zero")
	}

	t.Run("NegativeTTLIsRefused", func(t *testing.T) {
		err := plain.Set(ctx, "neg", 1, cache.TTL(-time.Second))
		assert.ErrorIs(t, err, cache.ErrInvalidTTL)
		_, err = plain.Expire(ctx, "persist", -time.Second)
		assert.ErrorIs(t, err, cache.ErrInvalidTTL)
		_, err = cache.New[string, int](s, cache.Options[string, int]{TTL: -1})
		assert.ErrorIs(t, err, cache.ErrInvalidTTL)
		AssertMissing(t, plain, "neg")
	})
}

// writeExpiring writes the keys of runExpiry with the TTL short, checks
// each is present, and returns the time just before the probe, the last
// of them, was written.
func writeExpiring(t *testing.T, h Harness, plain, withDefault *cache.Cache[string, int], short time.Duration, incr bool) time.Time {
	ctx := t.Context()
	ttl := cache.TTL(short)
	require.NoError(t, plain.Set(ctx, "ttl", 1, ttl))
	require.NoError(t, withDefault.Set(ctx, "default", 1))
	require.NoError(t, withDefault.Set(ctx, "override0", 1, cache.TTL(0)))
	require.NoError(t, plain.Set(ctx, "replaced", 1, ttl))
	require.NoError(t, plain.Set(ctx, "replaced", 2))
	require.NoError(t, plain.Set(ctx, "expire", 1))
	found, err := plain.Expire(ctx, "expire", short)
	require.NoError(t, err)
	assert.True(t, found, "Expire of a present key reports true")
	require.NoError(t, plain.Set(ctx, "persist", 1, ttl))
	found, err = plain.Expire(ctx, "persist", 0)
	require.NoError(t, err)
	assert.True(t, found, "Expire(0) of a present key reports true")
	found, err = plain.Expire(ctx, "missing", short)
	require.NoError(t, err)
	assert.False(t, found, "Expire of a missing key reports false")
	if incr {
		require.NoError(t, plain.Set(ctx, "incr", 1, ttl))
		n, err := plain.Increment(ctx, "incr", 1)
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		// A negative delta takes another path on some stores (memcached's
		// decr stops at 0): it must keep the expiry too.
		require.NoError(t, plain.Set(ctx, "decr", 1, ttl))
		n, err = plain.Increment(ctx, "decr", -3)
		require.NoError(t, err)
		assert.EqualValues(t, -2, n)
	} else {
		// Stand-ins, so that the rest of the test need not tell.
		require.NoError(t, plain.Set(ctx, "incr", 2, ttl))
		require.NoError(t, plain.Set(ctx, "decr", -2, ttl))
	}
	require.NoError(t, plain.MultiSet(ctx, map[string]int{"multi1": 1, "multi2": 2}, ttl))
	require.NoError(t, plain.Add(ctx, "add", 1, ttl))
	_, swapped, err := plain.CompareAndSwap(ctx, "cas", nil, 1, ttl)
	require.NoError(t, err)
	assert.True(t, swapped)
	written := time.Now() // before the write: the TTL runs from the server's write
	require.NoError(t, plain.Set(ctx, "probe", 1, ttl))
	for _, k := range []string{"ttl", "expire", "incr", "decr", "multi1", "multi2", "add", "cas", "probe", "replaced", "persist"} {
		ok, err := plain.Exists(ctx, k)
		require.NoError(t, err)
		assert.True(t, ok, "%q is present right after its write", k)
	}
	return written
}
