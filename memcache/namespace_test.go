package memcache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mustGet returns the value of key and whether it was found, failing t on
// an error.
func mustGet(t testing.TB, s *Store, key string) (string, bool) {
	t.Helper()
	val, found, err := s.Get(t.Context(), key)
	require.NoError(t, err, "get %q", key)
	return string(val), found
}

func TestClearOfNamespaceKeepsOtherNamespaces(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	foo, foobar := uniq(t, "foo"), uniq(t, "foo")+"bar"
	inFoo, inFoobar := in(s, foo), in(s, foobar)
	// Keys of the store itself, even one that reads like a key of foo.
	plain := []string{uniq(t, "plain"), ":" + uniq(t, "lead"), foo + ":a"}
	for _, key := range []string{foo + ":a", foo + ":b:c"} {
		require.NoError(t, inFoo.Set(ctx, key, []byte(key), 0))
	}
	require.NoError(t, inFoobar.Set(ctx, foobar+":a", []byte(foobar+":a"), 0))
	for _, key := range plain {
		require.NoError(t, s.Set(ctx, key, []byte(key), 0))
	}
	require.NoError(t, s.Clear(ctx, foo))
	for _, key := range []string{foo + ":a", foo + ":b:c"} {
		_, found := mustGet(t, inFoo, key)
		assert.False(t, found, "%q survived Clear of its namespace", key)
	}
	val, found := mustGet(t, inFoobar, foobar+":a")
	assert.True(t, found, "Clear of %q removed a key of %q", foo, foobar)
	assert.Equal(t, foobar+":a", val)
	for _, key := range plain {
		val, found := mustGet(t, s, key)
		assert.True(t, found, "Clear of %q removed the store's own %q", foo, key)
		assert.Equal(t, key, val)
	}
	// The namespace works again after Clear.
	require.NoError(t, inFoo.Set(ctx, foo+":a", []byte("new"), 0))
	val, found = mustGet(t, inFoo, foo+":a")
	assert.True(t, found)
	assert.Equal(t, "new", val)
}

func TestEvictedGenerationNeverBringsOldEntriesBack(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	ns := uniq(t, "ns")
	require.NoError(t, in(s, ns).Set(ctx, ns+":k", []byte("old"), 0))
	oldGen := seenGenOf(t, s, ns)

	// Evict the generation entry behind the store's back.
	require.Equal(t, "DELETED", raw(t, "delete "+genKey(ns)))
	_, found := mustGet(t, in(s, ns), ns+":k")
	assert.False(t, found, "an entry of a lost generation is still visible")

	// A new write creates a new, random generation; the old entry stays
	// in memcached but unreachable.
	require.NoError(t, in(s, ns).Set(ctx, ns+":other", []byte("x"), 0))
	newGen := seenGenOf(t, s, ns)
	assert.NotEqual(t, oldGen, newGen)
	old, there := rawValue(t, namespacedKey(ns, oldGen, "k"))
	require.True(t, there, "memcached dropped the old entry; the test proves nothing")
	assert.Equal(t, "old", old)
	_, found = mustGet(t, in(s, ns), ns+":k")
	assert.False(t, found, "an entry of a lost generation came back")
	vals, err := in(s, ns).MultiGet(ctx, []string{ns + ":k", ns + ":other"})
	require.NoError(t, err)
	assert.Nil(t, vals[0], "MultiGet brought back an entry of a lost generation")
	assert.Equal(t, "x", string(vals[1]))
}

func TestClearByAnotherStoreIsSeenByReads(t *testing.T) {
	a, b := newStore(t, Options{}), newStore(t, Options{})
	ctx := t.Context()
	ns := uniq(t, "ns")
	require.NoError(t, in(a, ns).Set(ctx, ns+":k", []byte("v"), 0))
	_, found := mustGet(t, in(b, ns), ns+":k") // b now has the generation cached
	require.True(t, found)
	require.NoError(t, a.Clear(ctx, ns))
	_, found = mustGet(t, in(b, ns), ns+":k")
	assert.False(t, found, "a store kept reading a cleared generation")
	vals, err := in(b, ns).MultiGet(ctx, []string{ns + ":k"})
	require.NoError(t, err)
	assert.Nil(t, vals[0])
}

func TestWriteAfterClearByAnotherStoreLandsInNewGeneration(t *testing.T) {
	a, b := newStore(t, Options{}), newStore(t, Options{})
	ctx := t.Context()
	ns := uniq(t, "ns")
	require.NoError(t, in(a, ns).Set(ctx, ns+":k", []byte("v1"), 0)) // a caches the generation
	require.NoError(t, b.Clear(ctx, ns))
	require.NoError(t, in(a, ns).Set(ctx, ns+":k", []byte("v2"), 0))
	val, found := mustGet(t, in(b, ns), ns+":k")
	assert.True(t, found, "a write after Clear went to the cleared generation")
	assert.Equal(t, "v2", val)
}

func TestClearOfWholeStoreFlushes(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	keys := []string{uniq(t, "plain"), uniq(t, "ns") + ":k"}
	for _, key := range keys {
		require.NoError(t, s.Set(ctx, key, []byte("v"), 0))
	}
	require.NoError(t, s.Clear(ctx, ""))
	for _, key := range keys {
		_, found := mustGet(t, s, key)
		assert.False(t, found, key)
	}
}

func TestCorruptGenerationIsAnErrorUntilCleared(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	ns := uniq(t, "ns")
	require.Equal(t, "STORED", raw(t, "set "+genKey(ns)+" 0 0 3\r\nzzz"))
	_, _, err := in(s, ns).Get(ctx, ns+":k")
	assert.ErrorIs(t, err, ErrCorruptGeneration)
	err = in(s, ns).Set(ctx, ns+":k", []byte("v"), 0)
	assert.ErrorIs(t, err, ErrCorruptGeneration)
	_, err = in(s, ns).MultiGet(ctx, []string{ns + ":k"})
	assert.ErrorIs(t, err, ErrCorruptGeneration)
	require.NoError(t, s.Clear(ctx, ns))
	require.NoError(t, in(s, ns).Set(ctx, ns+":k", []byte("v"), 0))
	val, found := mustGet(t, in(s, ns), ns+":k")
	assert.True(t, found)
	assert.Equal(t, "v", val)
}

func TestGenerationTTLTrustsTheGenerationForReads(t *testing.T) {
	ctx := t.Context()
	ns := uniq(t, "ns")
	a := in(newStore(t, Options{GenerationTTL: time.Second}), ns)
	b := in(newStore(t, Options{}), ns)
	require.NoError(t, a.Set(ctx, ns+":k", []byte("old"), 0)) // a reads and trusts the generation
	require.NoError(t, b.Clear(ctx, ns))
	val, found := mustGet(t, a, ns+":k")
	assert.True(t, found, "within GenerationTTL a read trusts the generation it last read")
	assert.Equal(t, "old", val)
	require.Eventually(t, func() bool {
		_, found := mustGet(t, a, ns+":k")
		return !found
	}, 5*time.Second, 20*time.Millisecond, "after GenerationTTL the read checks the generation again")
	// Its own Clear is seen at once.
	require.NoError(t, a.Set(ctx, ns+":k", []byte("v"), 0))
	require.NoError(t, a.Clear(ctx, ns))
	_, found = mustGet(t, a, ns+":k")
	assert.False(t, found)
}
