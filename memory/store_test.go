package memory

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

func TestByteMethodsCopyInAndOut(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	in := []byte("value")
	require.NoError(t, s.Set(ctx, "k", in, 0))
	in[0] = 'X'
	out, found, err := s.Get(ctx, "k")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "value", string(out), "changing the written slice does not change the entry")
	out[0] = 'Y'
	again, _, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "value", string(again), "changing the read slice does not change the entry")
}

func TestMissesAreNilAndEmptyHitsAreNot(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	v, found, err := s.Get(ctx, "missing")
	require.NoError(t, err)
	assert.False(t, found)
	assert.Nil(t, v)

	require.NoError(t, s.Set(ctx, "empty", nil, 0))
	require.NoError(t, s.Set(ctx, "full", []byte("x"), 0))
	v, found, err = s.Get(ctx, "empty")
	require.NoError(t, err)
	assert.True(t, found)
	assert.NotNil(t, v, "a hit is never nil")

	got, err := s.MultiGet(ctx, []string{"empty", "missing", "full"})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.NotNil(t, got[0])
	assert.Empty(t, got[0])
	assert.Nil(t, got[1])
	assert.Equal(t, []byte("x"), got[2])
}

func TestMultiSetWritesEveryPair(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.MultiSet(ctx, []string{"a", "b"}, [][]byte{[]byte("1"), []byte("2")}, 0))
	vals, err := s.MultiGet(ctx, []string{"a", "b", "e"})
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("1"), []byte("2"), nil}, vals)
}

func TestAddWritesOnlyAbsentKeys(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	added, err := s.Add(ctx, "k", []byte("first"), 0)
	require.NoError(t, err)
	assert.True(t, added)
	added, err = s.Add(ctx, "k", []byte("second"), 0)
	require.NoError(t, err)
	assert.False(t, added)
	added, err = s.AddValue(ctx, "k", "third", 0)
	require.NoError(t, err)
	assert.False(t, added)
	v, _, _ := s.Get(ctx, "k")
	assert.Equal(t, "first", string(v))
}

func TestDeleteAndExistsReportPresence(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "k", 1, 0))
	ok, err := s.Exists(ctx, "k")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = s.Delete(ctx, "k")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = s.Delete(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = s.Exists(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestClearRespectsNamespaceBoundaries(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	keys := []string{"foo:a", "foo:b:c", "foobar:a", "foo", "bar:foo:a", "x"}
	for _, k := range keys {
		require.NoError(t, s.SetValue(ctx, k, k, 0))
	}
	require.NoError(t, s.Clear(ctx, "foo"))
	for _, k := range keys {
		ok, err := s.Exists(ctx, k)
		require.NoError(t, err)
		gone := k == "foo:a" || k == "foo:b:c"
		assert.Equal(t, !gone, ok, "key %q", k)
	}
	require.NoError(t, s.Clear(ctx, ""))
	assert.Equal(t, 0, s.Len())
	checkInvariants(t, s)
}

func TestClearOfBoundedStoreKeepsBookkeeping(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100, Shards: 2})
	ctx := t.Context()
	for i := range 300 {
		require.NoError(t, s.SetValue(ctx, nsKey(i), i, time.Duration(i%3)*time.Minute))
	}
	require.NoError(t, s.Clear(ctx, "even"))
	checkInvariants(t, s)
	for i := range 300 {
		require.NoError(t, s.SetValue(ctx, nsKey(i), i, 0))
	}
	checkInvariants(t, s)
	assert.LessOrEqual(t, s.Len(), 100)
}

func nsKey(i int) string {
	if i%2 == 0 {
		return "even:" + strconv.Itoa(i)
	}
	return "odd:" + strconv.Itoa(i)
}

func TestCompareAndDeleteMatchesByteForm(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "b", []byte("tok"), 0))
	require.NoError(t, s.SetValue(ctx, "s", "tok", 0))
	require.NoError(t, s.SetValue(ctx, "n", uint16(42), 0))
	require.NoError(t, s.SetValue(ctx, "p", &struct{}{}, 0))
	for _, tc := range []struct {
		key, wrong, right string
	}{{"b", "tik", "tok"}, {"s", "tokk", "tok"}, {"n", "43", "42"}} {
		deleted, err := s.CompareAndDelete(ctx, tc.key, []byte(tc.wrong))
		require.NoError(t, err)
		assert.False(t, deleted, "%s: a different token deletes nothing", tc.key)
		deleted, err = s.CompareAndDelete(ctx, tc.key, []byte(tc.right))
		require.NoError(t, err)
		assert.True(t, deleted, "%s: the matching token deletes", tc.key)
	}
	deleted, err := s.CompareAndDelete(ctx, "p", nil)
	require.NoError(t, err)
	assert.False(t, deleted, "a value without byte form matches no token")
	deleted, err = s.CompareAndDelete(ctx, "missing", nil)
	require.NoError(t, err)
	assert.False(t, deleted)
}

type (
	myInt   int32
	myUint  uint8
	myStr   string
	myBytes []byte
)

func TestByteReadsOfGoValues(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	for _, tc := range []struct {
		val  any
		want string
	}{
		{int64(-12), "-12"},
		{7, "7"},
		{int8(-8), "-8"},
		{uint64(1 << 63), "9223372036854775808"},
		{myInt(5), "5"},
		{myUint(6), "6"},
		{"text", "text"},
		{myStr("named"), "named"},
		{[]byte("raw"), "raw"},
		{myBytes("named raw"), "named raw"},
		{"", ""},
	} {
		require.NoError(t, s.SetValue(ctx, "k", tc.val, 0))
		got, found, err := s.Get(ctx, "k")
		require.NoError(t, err, "%T", tc.val)
		assert.True(t, found)
		assert.NotNil(t, got)
		assert.Equal(t, tc.want, string(got), "%T", tc.val)
		_, ver, _, err := s.GetVersion(ctx, "k")
		require.NoError(t, err)
		assert.NotNil(t, ver)
	}
}

func TestByteReadOfOtherGoValueIsDecodeError(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	for _, v := range []any{struct{ A int }{1}, 1.5, true, nil, map[string]int{}, []int{1}} {
		require.NoError(t, s.SetValue(ctx, "bad", v, 0))
		_, found, err := s.Get(ctx, "bad")
		assert.ErrorIs(t, err, cache.ErrDecode, "%T", v)
		assert.False(t, found)
		var de *cache.DecodeError
		if assert.ErrorAs(t, err, &de) {
			assert.Equal(t, "bad", de.Key)
		}
		_, err = s.MultiGet(ctx, []string{"missing", "bad"})
		assert.ErrorIs(t, err, cache.ErrDecode)
		_, _, _, err = s.GetVersion(ctx, "bad")
		assert.ErrorIs(t, err, cache.ErrDecode)
		got, found, err := s.GetValue(ctx, "bad")
		require.NoError(t, err, "the value path still reads it")
		assert.True(t, found)
		assert.Equal(t, v, got)
	}
}

func TestValuePathSharesWhatItStores(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	p := &struct{ N int }{1}
	require.NoError(t, s.SetValue(ctx, "p", p, 0))
	got, found, err := s.GetValue(ctx, "p")
	require.NoError(t, err)
	require.True(t, found)
	assert.Same(t, p, got, "no copy")

	require.NoError(t, s.Set(ctx, "b", []byte("bytes"), 0))
	got, found, err = s.GetValue(ctx, "b")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, []byte("bytes"), got, "a byte entry reads as its []byte")
}

// allOps calls every method of the store once and returns their errors.
func allOps(ctx context.Context, s *Store) map[string]error {
	errs := map[string]error{}
	_, _, errs["Get"] = s.Get(ctx, "k")
	_, errs["MultiGet"] = s.MultiGet(ctx, []string{"k"})
	errs["Set"] = s.Set(ctx, "k", nil, 0)
	errs["MultiSet"] = s.MultiSet(ctx, []string{"k"}, [][]byte{nil}, 0)
	_, errs["Add"] = s.Add(ctx, "k", nil, 0)
	_, errs["Delete"] = s.Delete(ctx, "k")
	_, errs["Exists"] = s.Exists(ctx, "k")
	_, errs["Increment"] = s.Increment(ctx, "k", 1)
	_, errs["Expire"] = s.Expire(ctx, "k", 0)
	errs["Clear"] = s.Clear(ctx, "")
	_, errs["CompareAndDelete"] = s.CompareAndDelete(ctx, "k", nil)
	_, _, _, errs["GetVersion"] = s.GetVersion(ctx, "k")
	_, _, errs["CompareAndSwap"] = s.CompareAndSwap(ctx, "k", nil, nil, 0)
	_, _, errs["GetValue"] = s.GetValue(ctx, "k")
	_, _, _, errs["GetValueVersion"] = s.GetValueVersion(ctx, "k")
	errs["SetValue"] = s.SetValue(ctx, "k", 1, 0)
	_, errs["AddValue"] = s.AddValue(ctx, "k", 1, 0)
	_, _, errs["Watch"] = s.Watch(ctx, "k")
	_, _, errs["CompareAndSwapValue"] = s.CompareAndSwapValue(ctx, "k", nil, 1, 0)
	return errs
}

func TestEveryMethodReturnsErrClosedAfterClose(t *testing.T) {
	s := New(Options{})
	require.NoError(t, s.SetValue(t.Context(), "k", 1, 0))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	errs := allOps(t.Context(), s)
	assert.Len(t, errs, 19)
	for op, err := range errs {
		assert.ErrorIs(t, err, cache.ErrClosed, op)
	}
	assert.Equal(t, 0, s.Len(), "Close drops the entries")
}

func TestEveryMethodReturnsContextError(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	require.NoError(t, s.SetValue(t.Context(), "k", 1, 0))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for op, err := range allOps(ctx, s) {
		assert.ErrorIs(t, err, context.Canceled, op)
	}
	expired, cancel2 := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel2()
	_, _, err := s.GetValue(expired, "k")
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	v, found, err := s.GetValue(t.Context(), "k")
	require.NoError(t, err)
	assert.True(t, found, "a cancelled call changes nothing")
	assert.Equal(t, 1, v)
}
