package cache_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/serializer"
)

// TestIncrementThenGetIsRightOrRefusedForEverySerializer: a number written
// by Increment reads back as that number (or its text), or Increment is
// refused and writes nothing. Msgpack would read "5" as 53.
func TestIncrementThenGetIsRightOrRefusedForEverySerializer(t *testing.T) {
	s := newMemory(t)
	ctx := t.Context()
	refused := map[string]*cache.Cache[string, int64]{
		"msgpack": cache.Must(cache.New(s, cache.Options[string, int64]{Namespace: "m", Serializer: serializer.Msgpack[int64]()})),
		"gob":     cache.Must(cache.New(s, cache.Options[string, int64]{Namespace: "g", Serializer: serializer.Gob[int64]()})),
	}
	for name, c := range refused {
		_, err := c.Increment(ctx, "n", 5)
		assert.ErrorIs(t, err, errors.ErrUnsupported, name)
		found, err := c.Exists(ctx, "n")
		require.NoError(t, err)
		assert.False(t, found, "%s: a refused Increment writes nothing", name)
	}

	json := cache.Must(cache.New(s, cache.Options[string, int64]{Namespace: "j", Serializer: serializer.JSON[int64]()}))
	held := cache.Must(cache.New(s, cache.Options[string, int64]{Namespace: "h"}))
	for name, c := range map[string]*cache.Cache[string, int64]{"json": json, "held": held} {
		for _, delta := range []int64{5, 2, -9} {
			n, err := c.Increment(ctx, "n", delta)
			require.NoError(t, err, name)
			got, found, err := c.Get(ctx, "n")
			require.NoError(t, err, name)
			assert.True(t, found, name)
			assert.Equal(t, n, got, name)
		}
	}
	str := cache.Must(cache.New(s, cache.Options[string, string]{Namespace: "s", Serializer: serializer.String()}))
	_, err := str.Increment(ctx, "n", 7)
	require.NoError(t, err)
	got, _, err := str.Get(ctx, "n")
	require.NoError(t, err)
	assert.Equal(t, "7", got)
	raw := cache.Must(cache.New(s, cache.Options[string, []byte]{Namespace: "b", Serializer: serializer.Bytes()}))
	_, err = raw.Increment(ctx, "n", -7)
	require.NoError(t, err)
	b, _, err := raw.Get(ctx, "n")
	require.NoError(t, err)
	assert.Equal(t, []byte("-7"), b)
}

// TestByteStoresDefaultToRawBytesAndStrings: with no serializer, a store
// that holds no Go values keeps a []byte or a string as its bytes, what
// other clients read, not as JSON ("/wA=", "\"hello\"").
func TestByteStoresDefaultToRawBytesAndStrings(t *testing.T) {
	s := bytesOnly{newMemory(t)}
	ctx := t.Context()
	bs := cache.Must(cache.New(s, cache.Options[string, []byte]{}))
	strs := cache.Must(cache.New(s, cache.Options[string, string]{}))
	named := cache.Must(cache.New(s, cache.Options[string, label]{}))
	require.NoError(t, bs.Set(ctx, "b", []byte{0xff, 0}))
	require.NoError(t, strs.Set(ctx, "s", "hello"))
	require.NoError(t, named.Set(ctx, "l", "hi"))
	for key, want := range map[string]string{"b": "\xff\x00", "s": "hello", "l": `"hi"`} {
		got, found, err := s.Get(ctx, key)
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, want, string(got), key)
	}
}

// label is a named string type: not string, so JSON.
type label string

// bytesOnly is a memory store seen as a byte store only (no ValueStore).
type bytesOnly struct{ cache.Store }
