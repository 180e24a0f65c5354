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

// TestNearCacheTrustsItselfAgainOnceItHasCaughtUp checks that a key the
// store wrote is read through the near cache again as soon as the near
// cache answers with what the store wrote: its mark is gone after a read
// or two, not after ownWriteWindow (a store that waited out the window
// would read the key hundreds of times meanwhile, even on a slow machine).
func TestNearCacheTrustsItselfAgainOnceItHasCaughtUp(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{ClientSideCache: time.Minute})
		ctx := t.Context()
		for i := range 20 {
			key := fmt.Sprint("caught-up:", i)
			require.NoError(t, s.Set(ctx, key, []byte("v"), 0))
			for reads := 0; s.own.lookup(key) != nil; reads++ {
				require.Less(t, reads, 20, "the store still reads %q past its near cache", key)
				got, found, err := s.Get(ctx, key)
				require.NoError(t, err)
				require.True(t, found)
				require.Equal(t, "v", string(got))
			}
		}
	})
}

// TestOwnWritesMarks checks the bookkeeping of ownWrites.
func TestOwnWritesMarks(t *testing.T) {
	var w ownWrites
	assert.Nil(t, w.lookup("a"))

	m := wrote([]byte("x"))
	assert.Nil(t, w.set("a", m))
	require.Same(t, m, w.lookup("a"))
	assert.False(t, w.agrees("a", m, []byte("old"), true), "the old value")
	assert.False(t, w.agrees("a", m, nil, false), "the old absence")
	assert.Same(t, m, w.lookup("a"))
	assert.True(t, w.agrees("a", m, []byte("x"), true))
	assert.Nil(t, w.lookup("a"), "a read that agreed drops the mark")

	// An Add that found the key takes its mark back, restoring the one
	// before it.
	first := wrote([]byte("x"))
	w.set("b", first)
	add := wrote([]byte("y"))
	prev := w.set("b", add)
	require.Same(t, first, prev)
	w.undo("b", add, prev)
	assert.Same(t, first, w.lookup("b"))

	// An Increment's result settles its mark, unless another write came.
	inc := unknown()
	w.set("c", inc)
	assert.False(t, w.agrees("c", inc, []byte("1"), true), "an unknown outcome never agrees")
	w.settle("c", inc, wrote([]byte("1")))
	assert.True(t, w.agrees("c", w.lookup("c"), []byte("1"), true))
	inc = unknown()
	w.set("c", inc)
	later := removed()
	w.set("c", later)
	w.settle("c", inc, wrote([]byte("2")))
	assert.Same(t, later, w.lookup("c"), "a later write's mark stays")
	assert.True(t, w.agrees("c", later, nil, false))

	// A mark lasts at most ownWriteWindow, and a sweep forgets old ones.
	old := wrote([]byte("x"))
	old.deadline = nanotime() - 1
	w.set("d", old)
	assert.Nil(t, w.lookup("d"))
	for i := range 1000 {
		m := removed()
		m.deadline = nanotime() - 1
		w.set(fmt.Sprint("old", i), m)
	}
	for i := range 10 {
		w.set(fmt.Sprint("new", i), removed())
	}
	before := w.n.Load()
	w.forgetExpired()
	n := 0
	w.marks.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, int64(n), w.n.Load(), "the count of marks")
	assert.Equal(t, before-1000, w.n.Load(), "the sweep forgets the old marks, and only them")

	// Values are told apart by their fingerprint, empty ones included.
	e := wrote([]byte{})
	w.set("e", e)
	assert.False(t, w.agrees("e", e, nil, false), "absent is not empty")
	assert.False(t, w.agrees("e", e, []byte("y"), true))
	assert.True(t, w.agrees("e", e, []byte{}, true))

	w.everythingWritten()
	m = w.lookup("anything")
	require.NotNil(t, m)
	assert.False(t, w.agrees("anything", m, nil, false), "after a FLUSHDB nothing agrees")
	w.close()
}
