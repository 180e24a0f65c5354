package locktest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/lock"
)

// point is a struct value.
type point struct{ X, Y int }

// runOptimisticLock checks lock.Optimistic and lock.Update on the store:
// CAS writes only what nobody changed, atomically, across store instances.
func runOptimisticLock(t *testing.T, h cachetest.Harness) {
	// optimistic returns an Optimistic lock on key, failing t on error.
	optimistic := func(t *testing.T, c *cache.Cache[string, int], key string) *lock.Optimistic[string, int] {
		t.Helper()
		o, err := lock.NewOptimistic(t.Context(), c, key)
		require.NoError(t, err)
		return o
	}
	intCache := func(t *testing.T) *cache.Cache[string, int] {
		return cachetest.NewCache[string, int](t, store(t, h), cache.Options[string, int]{})
	}

	t.Run("NoConflict", func(t *testing.T) {
		c := intCache(t)
		require.NoError(t, c.Set(t.Context(), "k", 1))
		o := optimistic(t, c, "k")
		v, found := o.Value()
		assert.Equal(t, 1, v)
		assert.True(t, found)
		require.NoError(t, o.CAS(t.Context(), 2))
		cachetest.AssertValue(t, c, "k", 2)
		v, found = o.Value()
		assert.Equal(t, 2, v, "Value after a CAS is what it wrote")
		assert.True(t, found)
	})

	t.Run("ConflictWritesNothing", func(t *testing.T) {
		stores := stores(t, h, 2)
		a := cachetest.NewCache[string, int](t, stores[0], cache.Options[string, int]{})
		b := cachetest.NewCache[string, int](t, stores[1], cache.Options[string, int]{})
		require.NoError(t, a.Set(t.Context(), "k", 1))
		o := optimistic(t, a, "k")
		require.NoError(t, b.Set(t.Context(), "k", 2))
		err := o.CAS(t.Context(), 3)
		require.ErrorIs(t, err, lock.ErrConflict)
		assert.Contains(t, err.Error(), `"k"`, "the error names the key")
		cachetest.AssertValue(t, a, "k", 2)
	})

	t.Run("MissingKeyNeverConflicts", func(t *testing.T) {
		c := intCache(t)
		o := optimistic(t, c, "k")
		v, found := o.Value()
		assert.Zero(t, v)
		assert.False(t, found)
		require.NoError(t, c.Set(t.Context(), "k", 5))
		require.NoError(t, o.CAS(t.Context(), 7), "a lock on a missing key writes unconditionally")
		cachetest.AssertValue(t, c, "k", 7)
		// From then on it tracks what it wrote.
		require.NoError(t, c.Set(t.Context(), "k", 8))
		assert.ErrorIs(t, o.CAS(t.Context(), 9), lock.ErrConflict)
		cachetest.AssertValue(t, c, "k", 8)
	})

	t.Run("DeletedKeyConflicts", func(t *testing.T) {
		c := intCache(t)
		require.NoError(t, c.Set(t.Context(), "k", 1))
		o := optimistic(t, c, "k")
		_, err := c.Delete(t.Context(), "k")
		require.NoError(t, err)
		assert.ErrorIs(t, o.CAS(t.Context(), 2), lock.ErrConflict)
		cachetest.AssertMissing(t, c, "k")
	})

	t.Run("SecondCASSucceedsUntilAnotherWrite", func(t *testing.T) {
		c := intCache(t)
		require.NoError(t, c.Set(t.Context(), "k", 1))
		o := optimistic(t, c, "k")
		require.NoError(t, o.CAS(t.Context(), 2))
		require.NoError(t, o.CAS(t.Context(), 3), "nobody wrote since the first CAS")
		cachetest.AssertValue(t, c, "k", 3)
		require.NoError(t, c.Set(t.Context(), "k", 10))
		assert.ErrorIs(t, o.CAS(t.Context(), 4), lock.ErrConflict)
		cachetest.AssertValue(t, c, "k", 10)
	})

	t.Run("CASFollowsTheTTLRules", func(t *testing.T) {
		c := intCache(t)
		ttl := 200 * time.Millisecond
		if h.TTLResolution > 0 {
			ttl = h.TTLResolution
		}
		// "short" gets a TTL from its CAS; "kept" loses the TTL it had,
		// because a write without TTL uses Options.TTL: none.
		require.NoError(t, c.Set(t.Context(), "short", 1))
		require.NoError(t, c.Set(t.Context(), "kept", 1, cache.TTL(ttl)))
		short, kept := optimistic(t, c, "short"), optimistic(t, c, "kept")
		require.NoError(t, kept.CAS(t.Context(), 2))
		written := time.Now() // before the write: the TTL runs from the server's write
		require.NoError(t, short.CAS(t.Context(), 2, cache.TTL(ttl)))
		cachetest.AssertValue(t, c, "short", 2)
		cachetest.AwaitGone(t, c, "short", h.ExpiryDeadline(written, ttl))
		if h.TTLResolution == 0 {
			assert.GreaterOrEqual(t, time.Since(written), ttl*9/10, "expired before its TTL")
		}
		cachetest.AssertValue(t, c, "kept", 2)
	})

	t.Run("DetectsABA", func(t *testing.T) {
		if h.CompareBytes {
			t.Skip("the store compares stored bytes: A→B→A is no change to it")
		}
		c := intCache(t)
		require.NoError(t, c.Set(t.Context(), "k", 1))
		o := optimistic(t, c, "k")
		require.NoError(t, c.Set(t.Context(), "k", 2))
		require.NoError(t, c.Set(t.Context(), "k", 1))
		assert.ErrorIs(t, o.CAS(t.Context(), 3), lock.ErrConflict, "A→B→A is a change")
		cachetest.AssertValue(t, c, "k", 1)
	})

	t.Run("StructValues", func(t *testing.T) {
		c := cachetest.NewCache[string, point](t, store(t, h), cache.Options[string, point]{})
		require.NoError(t, c.Set(t.Context(), "p", point{1, 2}))
		o, err := lock.NewOptimistic(t.Context(), c, "p")
		require.NoError(t, err)
		v, found := o.Value()
		assert.Equal(t, point{1, 2}, v)
		assert.True(t, found)
		require.NoError(t, o.CAS(t.Context(), point{3, 4}))
		cachetest.AssertValue(t, c, "p", point{3, 4})
	})

	t.Run("OneOfConcurrentCASWins", func(t *testing.T) {
		stores := stores(t, h, 3)
		first := cachetest.NewCache[string, int](t, stores[0], cache.Options[string, int]{})
		require.NoError(t, first.Set(t.Context(), "k", 0))
		const n = 9
		locks := make([]*lock.Optimistic[string, int], n)
		for i := range locks {
			c := cachetest.NewCache[string, int](t, stores[i%len(stores)], cache.Options[string, int]{})
			locks[i] = optimistic(t, c, "k")
		}
		var wins, conflicts atomic.Int64
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, o := range locks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				switch err := o.CAS(t.Context(), i+1); {
				case err == nil:
					wins.Add(1)
				case assert.ErrorIs(t, err, lock.ErrConflict):
					conflicts.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		assert.Equal(t, int64(1), wins.Load(), "CAS calls that won")
		assert.Equal(t, int64(n-1), conflicts.Load(), "CAS calls that conflicted")
	})

	t.Run("ConcurrentUpdatesLoseNothing", func(t *testing.T) {
		stores := stores(t, h, 3)
		const goroutines, increments = 4, 25
		var wg sync.WaitGroup
		for g := range goroutines {
			c := cachetest.NewCache[string, int](t, stores[g%len(stores)], cache.Options[string, int]{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range increments {
					_, err := lock.Update(t.Context(), c, "counter", 10_000, func(old int, _ bool) (int, error) {
						return old + 1, nil
					})
					if !assert.NoError(t, err) {
						return
					}
				}
			}()
		}
		wg.Wait()
		c := cachetest.NewCache[string, int](t, stores[0], cache.Options[string, int]{})
		cachetest.AssertValue(t, c, "counter", goroutines*increments)
	})
}
