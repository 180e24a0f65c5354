package cachetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

type point struct{ X, Y int }

type userID int

func (u userID) String() string { return fmt.Sprintf("user-%d", int(u)) }

func runKeys(t *testing.T, h Harness) {
	t.Run("BackendKeyIsNamespaceColonKey", func(t *testing.T) {
		s := h.store(t)
		ns := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "foo"})
		plain := NewCache[string, string](t, s, cache.Options[string, string]{})
		assert.Equal(t, "foo:k", ns.Key("k"))
		assert.Equal(t, "k", plain.Key("k"))

		if _, ok := s.(cache.Namespacer); ok {
			// It keeps a namespace's keys its own way, and the keys of a
			// cache without a namespace as they are, ':' or not: the two
			// never meet.
			require.NoError(t, ns.Set(t.Context(), "k", "namespaced"))
			require.NoError(t, plain.Set(t.Context(), "foo:k", "plain"))
			AssertValue(t, ns, "k", "namespaced")
			AssertValue(t, plain, "foo:k", "plain")
			require.NoError(t, ns.Clear(t.Context()))
			AssertMissing(t, ns, "k")
			AssertValue(t, plain, "foo:k", "plain")
			return
		}
		require.NoError(t, ns.Set(t.Context(), "k", "v"))
		v, found, err := plain.Get(t.Context(), "foo:k")
		require.NoError(t, err)
		assert.True(t, found, "the namespaced key is stored at its backend key")
		assert.Equal(t, "v", v)
	})

	t.Run("DefaultKeyFunc", func(t *testing.T) {
		s := h.store(t)
		assert.Equal(t, "42", NewCache[int, int](t, s, cache.Options[int, int]{}).Key(42))
		assert.Equal(t, "-7", NewCache[int64, int](t, s, cache.Options[int64, int]{}).Key(-7))
		assert.Equal(t, "7", NewCache[uint8, int](t, s, cache.Options[uint8, int]{}).Key(7))
		assert.Equal(t, "user-3", NewCache[userID, int](t, s, cache.Options[userID, int]{}).Key(3))
		assert.Equal(t, "{1 2}", NewCache[point, int](t, s, cache.Options[point, int]{}).Key(point{1, 2}))
		// Strings in a struct are quoted, so that no two keys meet.
		pairs := NewCache[[2]string, string](t, s, cache.Options[[2]string, string]{Namespace: "pairs"})
		assert.Equal(t, `pairs:["a b" "c"]`, pairs.Key([2]string{"a b", "c"}))
		require.NoError(t, pairs.Set(t.Context(), [2]string{"a b", "c"}, "one"))
		require.NoError(t, pairs.Set(t.Context(), [2]string{"a", "b c"}, "two"))
		AssertValue(t, pairs, [2]string{"a b", "c"}, "one")
		// A pointer's address is no key: New says to set KeyFunc.
		_, err := cache.New(s, cache.Options[*point, int]{})
		assert.ErrorIs(t, err, cache.ErrInvalidKey)
		assert.ErrorContains(t, err, "KeyFunc")
		custom := NewCache[int, int](t, s, cache.Options[int, int]{Namespace: "n", KeyFunc: func(k int) string { return fmt.Sprintf("k%03d", k) }})
		assert.Equal(t, "n:k007", custom.Key(7))
	})

	t.Run("NamespaceWithSeparatorIsRefused", func(t *testing.T) {
		s := h.store(t)
		_, err := cache.New[string, int](s, cache.Options[string, int]{Namespace: "a:b"})
		assert.ErrorIs(t, err, cache.ErrInvalidKey)
	})

	t.Run("ClearKeepsOtherNamespaces", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		foo := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "foo"})
		foobar := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "foobar"})
		plain := NewCache[string, int](t, s, cache.Options[string, int]{})
		for i := range 50 {
			k := fmt.Sprintf("k%d", i)
			require.NoError(t, foo.Set(ctx, k, i))
			require.NoError(t, foobar.Set(ctx, k, i))
			require.NoError(t, plain.Set(ctx, k, i))
		}
		require.NoError(t, foo.Clear(ctx))
		for i := range 50 {
			k := fmt.Sprintf("k%d", i)
			AssertMissing(t, foo, k)
			AssertValue(t, foobar, k, i)
			AssertValue(t, plain, k, i)
		}
		// The namespace is usable again after Clear.
		require.NoError(t, foo.Set(ctx, "again", 1))
		AssertValue(t, foo, "again", 1)
	})

	t.Run("ClearWithoutNamespaceEmptiesTheStore", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		foo := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "foo"})
		plain := NewCache[string, int](t, s, cache.Options[string, int]{})
		for i := range 50 {
			k := fmt.Sprintf("k%d", i)
			require.NoError(t, foo.Set(ctx, k, i))
			require.NoError(t, plain.Set(ctx, k, i))
		}
		require.NoError(t, plain.Clear(ctx))
		for i := range 50 {
			k := fmt.Sprintf("k%d", i)
			AssertMissing(t, foo, k)
			AssertMissing(t, plain, k)
		}
	})

	t.Run("OddKeysWorkAndStayDistinct", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		keys := []string{
			"",
			"with space",
			"tab\tand\nnewline",
			"ctl\x00\x01\x7f",
			"unicode-ключ-鍵-🔑",
			strings.Repeat("a", 250),
			strings.Repeat("a", 251),
			strings.Repeat("a", 251) + "b",
			strings.Repeat("x", 10000),
			"~",
			"h:",
		}
		for _, ns := range []string{"", "odd"} {
			c := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: ns})
			for i, k := range keys {
				require.NoError(t, c.Set(ctx, k, i), "set %q", k)
			}
			for i, k := range keys {
				AssertValue(t, c, k, i)
			}
			got, err := c.MultiGet(ctx, keys...)
			require.NoError(t, err)
			assert.Len(t, got, len(keys))
			for i, k := range keys {
				existed, err := c.Delete(ctx, k)
				require.NoError(t, err)
				assert.True(t, existed, "delete %q (%d)", k, i)
			}
		}
	})
}

// NewCache returns a cache on s with opts, failing t if New fails. Suites
// built on this one (lock/locktest) use it, as this one does.
func NewCache[K comparable, V any](t testing.TB, s cache.Store, opts cache.Options[K, V]) *cache.Cache[K, V] {
	t.Helper()
	c, err := cache.New(s, opts)
	require.NoError(t, err)
	return c
}

// AssertValue checks that key of c holds want.
func AssertValue[K comparable, V any](t testing.TB, c *cache.Cache[K, V], key K, want V) {
	t.Helper()
	got, found, err := c.Get(t.Context(), key)
	if assert.NoError(t, err, "get %v", key) && assert.True(t, found, "get %v: not found", key) {
		assert.Equal(t, want, got, "get %v", key)
	}
}

// AssertMissing checks that key of c is a miss: the zero value, false and
// no error.
func AssertMissing[K comparable, V any](t testing.TB, c *cache.Cache[K, V], key K) {
	t.Helper()
	got, found, err := c.Get(t.Context(), key)
	assert.NoError(t, err, "get %v", key)
	assert.False(t, found, "get %v: found %v, want a miss", key, got)
	var zero V
	assert.Equal(t, zero, got, "a miss returns the zero value")
}

// AwaitGone polls key of c until Exists reports it gone, and fails t if it
// is still there at deadline (see Harness.ExpiryDeadline): how a test waits
// for an expiry, which no store announces.
func AwaitGone[K comparable, V any](t testing.TB, c *cache.Cache[K, V], key K, deadline time.Time) {
	t.Helper()
	for {
		found, err := c.Exists(t.Context(), key)
		require.NoError(t, err, "exists %v", key)
		if !found {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v still exists %v past the deadline of its expiry", key, time.Since(deadline))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
