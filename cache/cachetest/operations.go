package cachetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

type empty struct{}

func runOperations(t *testing.T, h Harness) {
	t.Run("GetMissIsZeroFalseNil", func(t *testing.T) {
		c := NewCache[string, point](t, h.store(t), cache.Options[string, point]{})
		AssertMissing(t, c, "nope")
	})

	t.Run("StoredZeroValuesAreHits", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		ints := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "i"})
		strs := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "s"})
		bools := NewCache[string, bool](t, s, cache.Options[string, bool]{Namespace: "b"})
		structs := NewCache[string, empty](t, s, cache.Options[string, empty]{Namespace: "e"})
		ptrs := NewCache[string, *point](t, s, cache.Options[string, *point]{Namespace: "p"})
		rawStr := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "rs", Serializer: RawString{}})
		rawBytes := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "rb", Serializer: RawBytes{}})
		require.NoError(t, ints.Set(ctx, "k", 0))
		require.NoError(t, strs.Set(ctx, "k", ""))
		require.NoError(t, bools.Set(ctx, "k", false))
		require.NoError(t, structs.Set(ctx, "k", empty{}))
		require.NoError(t, ptrs.Set(ctx, "k", nil))
		require.NoError(t, rawStr.Set(ctx, "k", ""))
		require.NoError(t, rawBytes.Set(ctx, "k", []byte{}))
		AssertValue(t, ints, "k", 0)
		AssertValue(t, strs, "k", "")
		AssertValue(t, bools, "k", false)
		AssertValue(t, structs, "k", empty{})
		AssertValue(t, ptrs, "k", nil)
		AssertValue(t, rawStr, "k", "")
		_, found, err := rawBytes.Get(ctx, "k")
		require.NoError(t, err)
		assert.True(t, found, "an empty byte slice is a hit")
		got, err := rawStr.MultiGet(ctx, "k", "missing")
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"k": ""}, got, "MultiGet keeps an empty value and drops the miss")
	})

	t.Run("SetOverwrites", func(t *testing.T) {
		c := NewCache[string, string](t, h.store(t), cache.Options[string, string]{})
		require.NoError(t, c.Set(t.Context(), "k", "one"))
		require.NoError(t, c.Set(t.Context(), "k", "two"))
		AssertValue(t, c, "k", "two")
	})

	t.Run("MultiSetAndMultiGet", func(t *testing.T) {
		c := NewCache[int, point](t, h.store(t), cache.Options[int, point]{Namespace: "m"})
		ctx := t.Context()
		items := make(map[int]point)
		for i := range 200 {
			items[i] = point{i, -i}
		}
		require.NoError(t, c.MultiSet(ctx, items))
		keys := []int{}
		for i := range 210 {
			keys = append(keys, i)
		}
		got, err := c.MultiGet(ctx, keys...)
		require.NoError(t, err)
		assert.Equal(t, items, got, "MultiGet returns the hits only")
		for _, i := range []int{0, 77, 199} {
			AssertValue(t, c, i, point{i, -i})
		}
		got, err = c.MultiGet(ctx)
		require.NoError(t, err)
		assert.Empty(t, got)
		got, err = c.MultiGet(ctx, 5, 5, 500)
		require.NoError(t, err)
		assert.Equal(t, map[int]point{5: {5, -5}}, got)
		require.NoError(t, c.MultiSet(ctx, map[int]point{}))
	})

	t.Run("AddOnlyWhenAbsent", func(t *testing.T) {
		c := NewCache[string, string](t, h.store(t), cache.Options[string, string]{})
		ctx := t.Context()
		require.NoError(t, c.Add(ctx, "k", "first"))
		err := c.Add(ctx, "k", "second")
		assert.ErrorIs(t, err, cache.ErrExists)
		assert.Contains(t, err.Error(), "k")
		AssertValue(t, c, "k", "first")
		_, err = c.Delete(ctx, "k")
		require.NoError(t, err)
		require.NoError(t, c.Add(ctx, "k", "third"), "Add works again once the key is gone")
		AssertValue(t, c, "k", "third")
	})

	t.Run("AddIsAtomicAcrossInstances", func(t *testing.T) {
		stores := h.stores(t, 3)
		const n = 30
		var wins, exists atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			c := NewCache[string, int](t, stores[i%len(stores)], cache.Options[string, int]{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				switch err := c.Add(t.Context(), "race", i); {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, cache.ErrExists):
					exists.Add(1)
				default:
					t.Errorf("add: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		assert.EqualValues(t, 1, wins.Load(), "exactly one Add wins")
		assert.EqualValues(t, n-1, exists.Load(), "every other Add gets ErrExists")
	})

	t.Run("InstancesSeeEachOthersWrites", func(t *testing.T) { runSeeOthersWrites(t, h) })

	t.Run("DeleteAndExists", func(t *testing.T) {
		c := NewCache[string, int](t, h.store(t), cache.Options[string, int]{})
		ctx := t.Context()
		ok, err := c.Exists(ctx, "k")
		require.NoError(t, err)
		assert.False(t, ok)
		require.NoError(t, c.Set(ctx, "k", 1))
		ok, err = c.Exists(ctx, "k")
		require.NoError(t, err)
		assert.True(t, ok)
		existed, err := c.Delete(ctx, "k")
		require.NoError(t, err)
		assert.True(t, existed, "Delete of a present key reports true")
		existed, err = c.Delete(ctx, "k")
		require.NoError(t, err)
		assert.False(t, existed, "Delete of a missing key reports false")
		ok, err = c.Exists(ctx, "k")
		require.NoError(t, err)
		assert.False(t, ok)
	})

	t.Run("Increment", func(t *testing.T) {
		s := h.store(t)
		if !incrementer(s) {
			c := NewCache[string, int](t, s, cache.Options[string, int]{})
			_, err := c.Increment(t.Context(), "n", 1)
			assert.ErrorIs(t, err, errors.ErrUnsupported, "Increment on a store that is no cache.Incrementer")
			return
		}
		runIncrement(t, h)
	})
}
