package memory

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

func TestCacheOfAWordTypeKeepsWordsAndReadsWhatOthersWrote(t *testing.T) {
	s := New(Options{MaxEntries: 1000})
	defer s.Close()
	ctx := context.Background()
	c := cache.Must(cache.New(s, cache.Options[string, int]{}))
	require.NoError(t, c.Set(ctx, "a", 1<<40))
	v, found, err := c.Get(ctx, "a")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, 1<<40, v)
	x, _, _ := s.GetValue(ctx, "a")
	assert.Equal(t, 1<<40, x, "the store holds an int, as SetValue would")

	// Increment keeps an int64; the Cache of int converts it.
	_, err = c.Increment(ctx, "n", 5)
	require.NoError(t, err)
	v, found, err = c.Get(ctx, "n")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, 5, v)

	m, err := c.MultiGet(ctx, "a", "n", "absent")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1 << 40, "n": 5}, m)
	require.NoError(t, c.MultiSet(ctx, map[string]int{"b": 2, "c": 3}))
	m, err = c.MultiGet(ctx, "b", "c")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"b": 2, "c": 3}, m)

	f := cache.Must(cache.New(s, cache.Options[string, float64]{}))
	require.NoError(t, f.Set(ctx, "pi", 3.25))
	pi, found, err := f.Get(ctx, "pi")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, 3.25, pi)
	_, _, err = c.Get(ctx, "pi")
	assert.ErrorIs(t, err, cache.ErrDecode, "a float is no int")
}

func TestCacheOfIntsAllocatesNothingPerGetOrSet(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := New(Options{MaxEntries: 1000})
	defer s.Close()
	ctx := context.Background()
	c := cache.Must(cache.New(s, cache.Options[string, int]{}))
	require.NoError(t, c.Set(ctx, "k", 0))
	i := 1000
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		i++
		_ = c.Set(ctx, "k", i)
	}), "Set")
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		_, _, _ = c.Get(ctx, "k")
	}), "Get")
}
