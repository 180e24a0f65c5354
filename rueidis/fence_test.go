package rueidis

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// TestAddFencedDrawsGrowingTokensInOneStep checks the store's AddFenced
// script on a key whose counter shares its hash slot: an add returns a
// token at least the clock in microseconds, an add of a held key adds and
// draws nothing, every token is above the one before, also after the
// counter was lost, and above a counter that ran ahead of the clock; the
// entry gets its ttl (none for 0) and the counter a day.
func TestAddFencedDrawsGrowingTokensInOneStep(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, raw := d.newStore(t, Options{})
		ctx := t.Context()
		key := testKey(t, s) + "{lock}" // the counter, key+"-fence", is in its slot
		counter := key + cache.FenceSuffix
		draw := func(ttl time.Duration) uint64 {
			t.Helper()
			fence, added, err := s.AddFenced(ctx, key, []byte("token"), ttl)
			require.NoError(t, err)
			require.True(t, added, "an add of a free key")
			_, err = s.Delete(ctx, key)
			require.NoError(t, err)
			return fence
		}

		before := uint64(time.Now().Add(-time.Second).UnixMicro())
		first, added, err := s.AddFenced(ctx, key, []byte("token"), time.Minute)
		require.NoError(t, err)
		require.True(t, added)
		assert.GreaterOrEqual(t, first, before, "the first token starts at the clock in microseconds")
		assert.Equal(t, "token", rawGet(raw, key))
		assert.InDelta(t, time.Minute.Milliseconds(), rawPTTL(raw, key), 10e3, "the entry's ttl, in ms")
		assert.Greater(t, rawPTTL(raw, counter), (23 * time.Hour).Milliseconds(), "the counter lives a day")

		fence, added, err := s.AddFenced(ctx, key, []byte("other"), time.Minute)
		require.NoError(t, err)
		assert.False(t, added, "an add of a held key")
		assert.Zero(t, fence)
		assert.Equal(t, "token", rawGet(raw, key), "a held key is left as it was")
		assert.Equal(t, strconv.FormatUint(first, 10), rawGet(raw, counter), "a failed add draws no token")
		_, err = s.Delete(ctx, key)
		require.NoError(t, err)

		second := draw(0)
		assert.Greater(t, second, first)
		rawSet(t, raw, counter, "x") // not a number: read as a lost counter
		_, err = s.Delete(ctx, key)
		require.NoError(t, err)
		third := draw(time.Minute)
		assert.Greater(t, third, second, "a lost counter restarts at the clock, above the tokens before")
		ahead := third + 1e12
		rawSet(t, raw, counter, strconv.FormatUint(ahead, 10))
		assert.Equal(t, ahead+1, draw(time.Minute), "a counter ahead of the clock counts on")

		_, _, err = s.AddFenced(ctx, key, []byte("token"), 0)
		require.NoError(t, err)
		assert.Equal(t, int64(-1), rawPTTL(raw, key), "ttl 0: no expiry")
	})
}

// TestAddFencedOnAClusterKeyWithoutItsCounterInItsSlot checks that on a
// Cluster, AddFenced of a key whose counter lies in another hash slot
// writes nothing and says errors.ErrUnsupported, and that a Cache's
// Entry then adds and draws in two steps, with tokens that still grow.
func TestAddFencedOnAClusterKeyWithoutItsCounterInItsSlot(t *testing.T) {
	d := deployments[1]
	require.Equal(t, "cluster", d.name)
	s, raw := d.newStore(t, Options{})
	base := testKey(t, s)
	for keySlot(base+"-lock") == keySlot(base+"-lock"+cache.FenceSuffix) {
		base += "x"
	}
	key := base + "-lock"
	ctx := t.Context()
	_, added, err := s.AddFenced(ctx, key, []byte("token"), time.Minute)
	require.ErrorIs(t, err, errors.ErrUnsupported)
	assert.False(t, added)
	assert.Equal(t, "<nil>", rawGet(raw, key), "nothing written")

	e := cache.Must(cache.New(s, cache.Options[string, string]{})).Entry(base, "-lock")
	require.Equal(t, key, e.Key())
	var last uint64
	for range 3 {
		fence, added, err := e.AddFenced(ctx, []byte("token"), time.Minute)
		require.NoError(t, err)
		require.True(t, added)
		assert.Greater(t, fence, last)
		last = fence
		_, err = e.Delete(ctx)
		require.NoError(t, err)
	}
}
