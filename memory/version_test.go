package memory

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

func TestCompareAndSwapDetectsABA(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "k", []byte("A"), 0))
	_, v1, found, err := s.GetVersion(ctx, "k")
	require.NoError(t, err)
	require.True(t, found)
	require.NoError(t, s.Set(ctx, "k", []byte("B"), 0))
	require.NoError(t, s.Set(ctx, "k", []byte("A"), 0))

	_, swapped, err := s.CompareAndSwap(ctx, "k", v1, []byte("C"), 0)
	require.NoError(t, err)
	assert.False(t, swapped, "A→B→A changed the version")
	val, v2, _, _ := s.GetVersion(ctx, "k")
	assert.Equal(t, "A", string(val), "a failed swap writes nothing")
	assert.NotEqual(t, v1, v2)

	v3, swapped, err := s.CompareAndSwap(ctx, "k", v2, []byte("C"), 0)
	require.NoError(t, err)
	assert.True(t, swapped)
	assert.Greater(t, v3.(uint64), v2.(uint64))
	_, v4, _, _ := s.GetVersion(ctx, "k")
	assert.Equal(t, v3, v4, "the returned version is the entry's")
	_, swapped, _ = s.CompareAndSwap(ctx, "k", v3, []byte("D"), 0)
	assert.True(t, swapped, "a second swap with the version of the first succeeds")
}

func TestCompareAndSwapWithNilVersionWritesUnconditionally(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	v1, swapped, err := s.CompareAndSwap(ctx, "k", nil, []byte("x"), time.Second)
	require.NoError(t, err)
	assert.True(t, swapped)
	require.NotNil(t, v1)
	v2, swapped, err := s.CompareAndSwapValue(ctx, "k", nil, 5, 0)
	require.NoError(t, err)
	assert.True(t, swapped)
	assert.NotEqual(t, v1, v2)
	clk.Advance(time.Hour)
	v, found, _ := s.GetValue(ctx, "k")
	assert.True(t, found, "the swap's ttl replaced the earlier one")
	assert.Equal(t, 5, v)
}

func TestCompareAndSwapFailsAfterDeleteOrExpiry(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "deleted", 1, 0))
	_, ver, _, _ := s.GetValueVersion(ctx, "deleted")
	_, _ = s.Delete(ctx, "deleted")
	_, swapped, err := s.CompareAndSwapValue(ctx, "deleted", ver, 2, 0)
	require.NoError(t, err)
	assert.False(t, swapped)
	ok, _ := s.Exists(ctx, "deleted")
	assert.False(t, ok, "nothing written")

	require.NoError(t, s.SetValue(ctx, "recreated", 1, 0))
	_, ver, _, _ = s.GetValueVersion(ctx, "recreated")
	_, _ = s.Delete(ctx, "recreated")
	require.NoError(t, s.SetValue(ctx, "recreated", 1, 0))
	_, swapped, _ = s.CompareAndSwapValue(ctx, "recreated", ver, 2, 0)
	assert.False(t, swapped, "a new entry with the same value has a new version")

	require.NoError(t, s.SetValue(ctx, "expired", 1, time.Second))
	_, ver, _, _ = s.GetValueVersion(ctx, "expired")
	clk.Advance(time.Second)
	_, swapped, _ = s.CompareAndSwapValue(ctx, "expired", ver, 2, 0)
	assert.False(t, swapped)
}

func TestForeignVersionNeverMatches(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "k", 1, 0))
	_, ver, _, _ := s.GetValueVersion(ctx, "k")
	for _, foreign := range []cache.Version{"1", int(ver.(uint64)), []byte("1"), struct{}{}} {
		newVer, swapped, err := s.CompareAndSwapValue(ctx, "k", foreign, 2, 0)
		require.NoError(t, err)
		assert.False(t, swapped, "%T", foreign)
		assert.Nil(t, newVer)
	}
	v, _, _ := s.GetValue(ctx, "k")
	assert.Equal(t, 1, v)
}

func TestExpireKeepsTheVersion(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "k", 1, 0))
	_, ver, _, _ := s.GetValueVersion(ctx, "k")
	_, _ = s.Expire(ctx, "k", time.Hour)
	_, swapped, _ := s.CompareAndSwapValue(ctx, "k", ver, 2, 0)
	assert.True(t, swapped, "a new ttl is not a new value")
}

func TestEveryWriteGivesANewVersion(t *testing.T) {
	s, _ := newTestStore(t, Options{Shards: 8})
	ctx := t.Context()
	seen := map[uint64]string{}
	record := func(key string) {
		t.Helper()
		_, ver, found, err := s.GetValueVersion(ctx, key)
		require.NoError(t, err)
		require.True(t, found)
		v := ver.(uint64)
		if prev, dup := seen[v]; dup {
			t.Fatalf("version %d of %q was already given to %q", v, key, prev)
		}
		seen[v] = key
	}
	for i := range 200 {
		key := "k" + strconv.Itoa(i%20)
		switch i % 4 {
		case 0:
			require.NoError(t, s.SetValue(ctx, key, i, 0))
		case 1:
			require.NoError(t, s.Set(ctx, key, []byte(strconv.Itoa(i)), 0))
		case 2:
			_, err := s.Increment(ctx, key, 1)
			require.NoError(t, err)
		case 3:
			_, err := s.AddValue(ctx, "add"+strconv.Itoa(i), i, 0)
			require.NoError(t, err)
			key = "add" + strconv.Itoa(i)
		}
		record(key)
	}
}
