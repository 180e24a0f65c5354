package memcache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// getVersion reads key with its version, failing t on an error or a miss.
func getVersion(t testing.TB, s *Store, key string) cache.Version {
	t.Helper()
	_, ver, found, err := s.GetVersion(t.Context(), key)
	require.NoError(t, err)
	require.True(t, found, "%q is missing", key)
	return ver
}

// cas runs CompareAndSwap, failing t on an error.
func cas(t testing.TB, s *Store, key string, ver cache.Version, val string) (cache.Version, bool) {
	t.Helper()
	nv, swapped, err := s.CompareAndSwap(t.Context(), key, ver, []byte(val), 0)
	require.NoError(t, err)
	return nv, swapped
}

// bothKinds returns a key without a namespace and a namespaced one.
func bothKinds(t testing.TB) []string {
	return []string{uniq(t, "plain"), uniq(t, "ns") + ":k"}
}

func TestCompareAndDeleteWithWrongTokenDeletesNothing(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range bothKinds(t) {
		require.NoError(t, s.Set(t.Context(), key, []byte("token-a"), 0))
		deleted, err := s.CompareAndDelete(t.Context(), key, []byte("token-b"))
		require.NoError(t, err)
		assert.False(t, deleted)
		val, found := mustGet(t, s, key)
		assert.True(t, found, "a wrong token deleted %q", key)
		assert.Equal(t, "token-a", val)
	}
}

func TestCompareAndDeleteWithRightTokenDeletes(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range bothKinds(t) {
		require.NoError(t, s.Set(t.Context(), key, []byte("token"), time.Minute))
		mkey, _, err := s.lookup(t.Context(), "test", key)
		require.NoError(t, err)
		deleted, err := s.CompareAndDelete(t.Context(), key, []byte("token"))
		require.NoError(t, err)
		assert.True(t, deleted)
		_, there := rawValue(t, mkey)
		assert.False(t, there, "memcached still serves %q", key)
		added, err := s.Add(t.Context(), key, []byte("next"), 0)
		require.NoError(t, err)
		assert.True(t, added, "the deleted entry blocks an add")
		deleted, err = s.CompareAndDelete(t.Context(), key, []byte("token"))
		require.NoError(t, err)
		assert.False(t, deleted, "the old token deleted the new entry")
	}
}

func TestCompareAndDeleteOfMissingKey(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range bothKinds(t) {
		deleted, err := s.CompareAndDelete(t.Context(), key, []byte("x"))
		require.NoError(t, err)
		assert.False(t, deleted)
	}
}

func TestCompareAndSwapConflictsAfterAnotherWrite(t *testing.T) {
	a, b := newStore(t, Options{}), newStore(t, Options{})
	for _, key := range bothKinds(t) {
		require.NoError(t, a.Set(t.Context(), key, []byte("A"), 0))
		ver := getVersion(t, a, key)
		require.NoError(t, b.Set(t.Context(), key, []byte("B"), 0))
		_, swapped := cas(t, a, key, ver, "mine")
		assert.False(t, swapped)
		val, _ := mustGet(t, a, key)
		assert.Equal(t, "B", val, "a conflicting CAS wrote")
	}
}

func TestCompareAndSwapDetectsABA(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range bothKinds(t) {
		require.NoError(t, s.Set(t.Context(), key, []byte("A"), 0))
		ver := getVersion(t, s, key)
		require.NoError(t, s.Set(t.Context(), key, []byte("B"), 0))
		require.NoError(t, s.Set(t.Context(), key, []byte("A"), 0))
		_, swapped := cas(t, s, key, ver, "mine")
		assert.False(t, swapped, "A→B→A went unseen on %q", key)
	}
}

func TestSecondCompareAndSwapAfterOwnWriteSucceeds(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range bothKinds(t) {
		ver, swapped := cas(t, s, key, nil, "first") // unconditional
		require.True(t, swapped)
		ver, swapped = cas(t, s, key, ver, "second")
		require.True(t, swapped, "CAS with the version of our own write failed")
		_, swapped = cas(t, s, key, ver, "third")
		require.True(t, swapped)
		val, _ := mustGet(t, s, key)
		assert.Equal(t, "third", val)
	}
}

func TestCompareAndSwapOfDeletedOrClearedKeyConflicts(t *testing.T) {
	base := newStore(t, Options{})
	ns := uniq(t, "ns")
	s, key := in(base, ns), ns+":k"
	for _, remove := range []func(){
		func() { _, err := s.Delete(t.Context(), key); require.NoError(t, err) },
		func() { require.NoError(t, s.Clear(t.Context(), ns)) },
	} {
		require.NoError(t, s.Set(t.Context(), key, []byte("A"), 0))
		ver := getVersion(t, s, key)
		remove()
		_, swapped := cas(t, s, key, ver, "mine")
		assert.False(t, swapped)
		_, found := mustGet(t, s, key)
		assert.False(t, found, "a failed CAS wrote")
	}
}

func TestCompareAndSwapWithVersionOfAnotherKeyConflicts(t *testing.T) {
	s := newStore(t, Options{})
	a, b := uniq(t, "a"), uniq(t, "b")
	require.NoError(t, s.Set(t.Context(), a, []byte("A"), 0))
	require.NoError(t, s.Set(t.Context(), b, []byte("B"), 0))
	_, swapped := cas(t, s, b, getVersion(t, s, a), "mine")
	assert.False(t, swapped)
}

func TestCompareAndSwapRejectsForeignVersion(t *testing.T) {
	s := newStore(t, Options{})
	_, _, err := s.CompareAndSwap(t.Context(), uniq(t, "k"), 42, []byte("x"), 0)
	assert.Error(t, err)
}

func TestVersionAfterForeignWriteNeverMatches(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	// As if another client wrote "theirs" between our write of "ours" and
	// the read-back.
	require.NoError(t, s.Set(t.Context(), key, []byte("theirs"), 0))
	ver, swapped, err := s.versionOf(t.Context(), "test", key, plainKey(key), []byte("ours"))
	require.NoError(t, err)
	require.True(t, swapped)
	_, swapped = cas(t, s, key, ver, "next")
	assert.False(t, swapped, "a version taken after a foreign write matched")
}

func TestCompareAndSwapWritesWithTTL(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	ver, swapped, err := s.CompareAndSwap(t.Context(), key, nil, []byte("v"), time.Minute)
	require.NoError(t, err)
	require.True(t, swapped)
	_, swapped, err = s.CompareAndSwap(t.Context(), key, ver, []byte("w"), time.Hour)
	require.NoError(t, err)
	require.True(t, swapped)
	left, _ := rawTTL(t, key)
	assert.InDelta(t, 3600, left, 5)
}

func TestCompareAndExpireExtendsOnlyItsOwnToken(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	ns := uniq(t, "ns")
	for _, c := range []struct {
		st  *Store
		key string
	}{{s, uniq(t, "plain")}, {in(s, ns), ns + ":k"}} {
		require.NoError(t, c.st.Set(ctx, c.key, []byte("token"), 10*time.Second))
		mkey, _, err := c.st.lookup(ctx, "test", c.key)
		require.NoError(t, err)

		ok, err := c.st.CompareAndExpire(ctx, c.key, []byte("other"), 100*time.Second)
		require.NoError(t, err)
		assert.False(t, ok, "another token extended %q", c.key)
		left, _ := rawTTL(t, mkey)
		assert.True(t, left >= 8 && left <= 12, "another token changed the expiry of %q: %ds left", c.key, left)

		ok, err = c.st.CompareAndExpire(ctx, c.key, []byte("token"), 100*time.Second)
		require.NoError(t, err)
		assert.True(t, ok)
		left, _ = rawTTL(t, mkey)
		assert.True(t, left >= 99 && left <= 102, "%q has %ds left, want about 100", c.key, left)
		val, found := mustGet(t, c.st, c.key)
		assert.True(t, found)
		assert.Equal(t, "token", val, "the value changed")
		_, ttl, _, err := c.st.GetTTL(ctx, c.key)
		require.NoError(t, err)
		assert.InDelta(t, 100, ttl.Seconds(), 3, "the recorded deadline follows the new expiry")

		ok, err = c.st.CompareAndExpire(ctx, c.key, []byte("token"), 0)
		require.NoError(t, err)
		assert.True(t, ok)
		left, _ = rawTTL(t, mkey)
		assert.Equal(t, -1, left, "a ttl of 0 removes the expiry")

		ok, err = c.st.CompareAndExpire(ctx, c.key+"-missing", []byte("token"), time.Minute)
		require.NoError(t, err)
		assert.False(t, ok, "a missing key")
	}
}
