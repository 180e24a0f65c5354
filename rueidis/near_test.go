package rueidis

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNearCacheReadsItsOwnWrites writes keys that the near cache has just
// cached as missing, and reads them back at once: Redis' invalidation of
// each write comes after the write's reply, or on another connection, so a
// store that trusted its near cache would read the miss again now and
// then (a few percent of the rounds on this machine).
func TestNearCacheReadsItsOwnWrites(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{ClientSideCache: time.Minute})
		ctx := t.Context()
		for i := range 1000 {
			key := fmt.Sprint("own:", i)
			_, found, err := s.Get(ctx, key)
			require.NoError(t, err)
			require.False(t, found)
			vals, err := s.MultiGet(ctx, []string{key})
			require.NoError(t, err)
			require.Nil(t, vals[0])

			require.NoError(t, s.Set(ctx, key, []byte("v"), 0))
			got, found, err := s.Get(ctx, key)
			require.NoError(t, err)
			require.True(t, found, "round %d: the near cache answered with its miss", i)
			assert.Equal(t, "v", string(got))
			vals, err = s.MultiGet(ctx, []string{key})
			require.NoError(t, err)
			require.Equal(t, "v", string(vals[0]), "round %d", i)

			_, err = s.Delete(ctx, key)
			require.NoError(t, err)
			exists, err := s.Exists(ctx, key)
			require.NoError(t, err)
			require.False(t, exists, "round %d: the near cache answered with the deleted value", i)
		}
	})
}

// TestNearCacheServesKeysOnceTheirWriteIsOld checks that a key written
// longer than ownWriteWindow ago is read through the near cache again,
// and that the store forgets old writes.
func TestNearCacheServesKeysOnceTheirWriteIsOld(t *testing.T) {
	var w ownWrites
	w.wrote("a")
	assert.True(t, w.recent("a"))
	assert.False(t, w.recent("b"))
	w.keys.Store("a", nanotime()-1) // as if written a window ago
	assert.False(t, w.recent("a"))
	_, kept := w.keys.Load("a")
	assert.False(t, kept, "a read of an old write forgets it")

	for i := range sweepEvery - 1 {
		w.keys.Store(fmt.Sprint("old", i), nanotime()-1)
	}
	for i := range sweepEvery {
		w.wrote(fmt.Sprint("new", i))
	}
	n := 0
	w.keys.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, sweepEvery, n, "the sweep forgets the old writes and keeps the new")

	w.wroteEverything()
	assert.True(t, w.recent("anything"))
}
