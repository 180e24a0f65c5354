package memcache

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpiryRoundsUpAndAddsATick(t *testing.T) {
	now := time.Unix(1_700_000_000, 400_000_000) // .4s past a second
	cases := []struct {
		ttl     time.Duration
		exp     int32
		flags   uint32
		comment string
	}{
		{0, 0, 0, "no expiry"},
		{time.Nanosecond, 2, 1_700_000_002, "never 0"},
		{300 * time.Millisecond, 2, 1_700_000_002, "sub-second"},
		{700 * time.Millisecond, 2, 1_700_000_003, "deadline crosses a second"},
		{time.Second, 2, 1_700_000_003, "whole second"},
		{2500 * time.Millisecond, 4, 1_700_000_004, "fraction"},
		{30*24*time.Hour - time.Second, maxRelative, 1_700_000_000 + maxRelative + 1, "largest relative"},
		{30 * 24 * time.Hour, 1_700_000_000 + maxRelative + 2, 1_700_000_000 + maxRelative + 2, "absolute past 30 days"},
		{100 * 365 * 24 * time.Hour, math.MaxInt32, math.MaxUint32, "capped"},
	}
	for _, c := range cases {
		exp, flags := expiry(now, c.ttl)
		assert.Equal(t, c.exp, exp, "%s: expiration of %v", c.comment, c.ttl)
		assert.Equal(t, c.flags, flags, "%s: flags of %v", c.comment, c.ttl)
	}
}

func TestRecordedExpiryReadsFlags(t *testing.T) {
	assert.Equal(t, int32(0), recordedExpiry(0), "no deadline")
	assert.Equal(t, int32(0), recordedExpiry(42), "foreign flags are no deadline")
	assert.Equal(t, int32(1_700_000_000), recordedExpiry(1_700_000_000))
	assert.Equal(t, int32(math.MaxInt32), recordedExpiry(math.MaxUint32))
}

func TestKeptExpiryKeepsTheSecondsLeft(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	assert.Equal(t, int32(0), keptExpiry(now, 1_700_000_100, -1, true), "none left, whatever the flags say")
	assert.Equal(t, int32(3), keptExpiry(now, 0, 3, true), "a foreign entry's seconds")
	assert.Equal(t, int32(1), keptExpiry(now, 0, 0, true), "expiring now is never sent as 0")
	assert.Equal(t, int32(1_700_000_000+maxRelative+1), keptExpiry(now, 0, maxRelative+1, true), "past 30 days: absolute")
	assert.Equal(t, int32(1_700_000_100), keptExpiry(now, 1_700_000_100, 0, false), "unknown: the recorded deadline")
}

// TestSubSecondTTLLivesAtLeastItsTTL checks that a 300ms entry lives at
// least 300ms (rounded up to a whole second, never to 0, which memcached
// would read as "never") and then expires: within its second, a tick of
// memcached's clock and 3s of slack for a loaded machine.
func TestSubSecondTTLLivesAtLeastItsTTL(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte("v"), 300*time.Millisecond))
	written := time.Now()
	_, found := mustGet(t, s, key)
	require.True(t, found, "a 300ms entry is gone right after its write")
	for {
		if _, found := mustGet(t, s, key); !found {
			break
		}
		require.Less(t, time.Since(written), 5*time.Second, "a 300ms entry outlived its second by far")
		time.Sleep(20 * time.Millisecond)
	}
	assert.Greater(t, time.Since(written), 300*time.Millisecond, "expired before its TTL")
}

func TestSetWithoutTTLReplacesEarlierExpiry(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte("1"), time.Minute))
	require.NoError(t, s.Set(t.Context(), key, []byte("2"), 0))
	left, flags := rawTTL(t, key)
	assert.Equal(t, -1, left)
	assert.Equal(t, "0", flags)
}

func TestExpireSetsAndRemovesExpiry(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range bothKinds(t) {
		require.NoError(t, s.Set(t.Context(), key, []byte("v"), 0))
		mkey, _, err := s.lookup(t.Context(), "test", key)
		require.NoError(t, err)

		ok, err := s.Expire(t.Context(), key, time.Hour)
		require.NoError(t, err)
		assert.True(t, ok)
		left, flags := rawTTL(t, mkey)
		assert.InDelta(t, 3600, left, 5)
		assert.NotEqual(t, "0", flags, "Expire left the recorded deadline out of date")

		ok, err = s.Expire(t.Context(), key, 0)
		require.NoError(t, err)
		assert.True(t, ok)
		left, flags = rawTTL(t, mkey)
		assert.Equal(t, -1, left)
		assert.Equal(t, "0", flags)

		val, _ := mustGet(t, s, key)
		assert.Equal(t, "v", val, "Expire changed the value")
	}
}

func TestExpireOfMissingKeyReportsFalse(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range bothKinds(t) {
		ok, err := s.Expire(t.Context(), key, time.Second)
		require.NoError(t, err)
		assert.False(t, ok)
	}
}
