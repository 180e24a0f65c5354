package memcache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

func TestOddKeysRoundTripToDistinctEntries(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	prefix := uniq(t, "")
	keys := oddKeys()
	for name, key := range keys {
		// Keep the odd part; make the key unique to this test.
		require.NoError(t, s.Set(ctx, key+prefix, []byte(name), 0), name)
	}
	for name, key := range keys {
		val, found, err := s.Get(ctx, key+prefix)
		require.NoError(t, err, name)
		assert.True(t, found, name)
		assert.Equal(t, name, string(val), "key %s reads another key's value", name)
	}
	for length := 251; length <= 10000; length += 977 {
		key := fmt.Sprintf("%s%0*d", prefix, length-len(prefix), length)
		require.NoError(t, s.Set(ctx, key, []byte(strconv.Itoa(length)), 0))
		val, found, err := s.Get(ctx, key)
		require.NoError(t, err)
		require.True(t, found, "key of %d bytes", length)
		assert.Equal(t, strconv.Itoa(length), string(val))
	}
}

func TestEmptyKeyWorks(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "", []byte("empty"), 0))
	t.Cleanup(func() { _, _ = s.Delete(context.Background(), "") })
	val, found, err := s.Get(ctx, "")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "empty", string(val))
}

func TestGetOfMissingKeyIsNotAnError(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range []string{uniq(t, "plain"), uniq(t, "ns") + ":k", uniq(t, "odd key")} {
		val, found, err := s.Get(t.Context(), key)
		require.NoError(t, err)
		assert.False(t, found)
		assert.Nil(t, val)
		ok, err := s.Exists(t.Context(), key)
		require.NoError(t, err)
		assert.False(t, ok)
	}
}

func TestEmptyValueIsAHit(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte{}, 0))
	val, found, err := s.Get(t.Context(), key)
	require.NoError(t, err)
	assert.True(t, found)
	assert.NotNil(t, val)
	assert.Empty(t, val)
}

func TestForeignBytesComeBackExactly(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	data := "\x00\x01\r\n\xff END\r\nVALUE x 0 1\r\n"
	require.Equal(t, "STORED", raw(t, fmt.Sprintf("set %s 7 0 %d\r\n%s", key, len(data), data)))
	val, found, err := s.Get(t.Context(), key)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, []byte(data), val)
}

func TestAddWritesOnlyWhenAbsent(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	for _, key := range []string{uniq(t, "plain"), uniq(t, "ns") + ":k"} {
		added, err := s.Add(ctx, key, []byte("1"), 0)
		require.NoError(t, err)
		assert.True(t, added, key)
		added, err = s.Add(ctx, key, []byte("2"), 0)
		require.NoError(t, err)
		assert.False(t, added, key)
		val, _, err := s.Get(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, "1", string(val), "a failed Add changed %s", key)
	}
}

func TestDeleteReportsWhetherKeyExisted(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	for _, key := range []string{uniq(t, "plain"), uniq(t, "ns") + ":k", uniq(t, "fresh") + ":k"} {
		existed, err := s.Delete(ctx, key)
		require.NoError(t, err)
		assert.False(t, existed, key)
		require.NoError(t, s.Set(ctx, key, []byte("v"), 0))
		existed, err = s.Delete(ctx, key)
		require.NoError(t, err)
		assert.True(t, existed, key)
		ok, err := s.Exists(ctx, key)
		require.NoError(t, err)
		assert.False(t, ok, key)
	}
}

// everyOperation runs each operation of the store once on key and returns
// its error by name.
func everyOperation(ctx context.Context, s *Store, key string) map[string]error {
	errs := make(map[string]error)
	_, _, errs["Get"] = s.Get(ctx, key)
	_, errs["MultiGet"] = s.MultiGet(ctx, []string{key, key + "2"})
	errs["Set"] = s.Set(ctx, key, []byte("1"), 0)
	errs["MultiSet"] = s.MultiSet(ctx, []string{key, key + "2"}, [][]byte{[]byte("1"), []byte("2")}, 0)
	_, errs["Add"] = s.Add(ctx, key, []byte("1"), 0)
	_, errs["Delete"] = s.Delete(ctx, key)
	_, errs["Exists"] = s.Exists(ctx, key)
	_, errs["Increment"] = s.Increment(ctx, key, 1)
	_, errs["Decrement"] = s.Increment(ctx, key, -1)
	_, errs["Expire"] = s.Expire(ctx, key, time.Second)
	errs["Clear"] = s.Clear(ctx, "some-namespace")
	_, errs["CompareAndDelete"] = s.CompareAndDelete(ctx, key, []byte("1"))
	_, _, _, errs["GetVersion"] = s.GetVersion(ctx, key)
	_, _, errs["CompareAndSwap"] = s.CompareAndSwap(ctx, key, nil, []byte("1"), 0)
	_, _, errs["Watch"] = s.Watch(ctx, key)
	return errs
}

func TestCancelledContextFailsEveryOperation(t *testing.T) {
	s := newStore(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, key := range []string{uniq(t, "plain"), uniq(t, "ns") + ":k"} {
		for name, err := range everyOperation(ctx, s, key) {
			assert.ErrorIs(t, err, context.Canceled, "%s of %q", name, key)
		}
	}
	_, found, err := s.Get(t.Context(), uniq(t, "plain"))
	require.NoError(t, err)
	assert.False(t, found, "a cancelled Set wrote")
}

func TestExpiredDeadlineFailsWithDeadlineExceeded(t *testing.T) {
	s := newStore(t, Options{})
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, _, err := s.Get(ctx, uniq(t, "k"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestClosedStoreReturnsErrClosed(t *testing.T) {
	s := newStore(t, Options{})
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	for name, err := range everyOperation(t.Context(), s, uniq(t, "k")) {
		assert.ErrorIs(t, err, cache.ErrClosed, name)
	}
}

func TestNilClientReturnsErrNoClient(t *testing.T) {
	s := New(nil, Options{})
	defer s.Close()
	for name, err := range everyOperation(t.Context(), s, "k") {
		assert.ErrorIs(t, err, ErrNoClient, name)
	}
}

func TestErrorsNameOperationAndKey(t *testing.T) {
	s := newStore(t, Options{})
	require.NoError(t, s.Close())
	_, _, err := s.Get(t.Context(), "the-key")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `get "the-key"`)
	_, _, err = s.Get(t.Context(), string(make([]byte, 5000)))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 400, "a long key is shortened in errors")
}

func TestClearRefusesNamespaceWithColon(t *testing.T) {
	s := newStore(t, Options{})
	err := s.Clear(t.Context(), "a:b")
	assert.True(t, errors.Is(err, cache.ErrInvalidKey), "got %v", err)
}
