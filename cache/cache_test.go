package cache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

func newMemory(t testing.TB) *memory.Store {
	s := memory.New(memory.Options{})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestNewRefusesBadOptions(t *testing.T) {
	s := newMemory(t)
	_, err := cache.New[string, int](nil, cache.Options[string, int]{})
	assert.Error(t, err)
	_, err = cache.New[string, int](s, cache.Options[string, int]{Namespace: "a:b"})
	assert.ErrorIs(t, err, cache.ErrInvalidKey)
	_, err = cache.New[string, int](s, cache.Options[string, int]{TTL: -time.Second})
	assert.ErrorIs(t, err, cache.ErrInvalidTTL)
	assert.Panics(t, func() { cache.Must(cache.New[string, int](nil, cache.Options[string, int]{})) })
	assert.NotPanics(t, func() { cache.Must(cache.New[string, int](s, cache.Options[string, int]{})) })
}

func TestKeyWithSuffixStaysInNamespace(t *testing.T) {
	c := cache.Must(cache.New[int, int](newMemory(t), cache.Options[int, int]{Namespace: "ns"}))
	assert.Equal(t, "ns:7-lock", c.KeyWithSuffix(7, "-lock"))
	assert.Equal(t, "ns", c.Namespace())
}

func TestGetHitWithoutHooksDoesNotAllocate(t *testing.T) {
	c := cache.Must(cache.New[string, int](newMemory(t), cache.Options[string, int]{}))
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "k", 1000))
	allocs := testing.AllocsPerRun(1000, func() {
		if _, found, err := c.Get(ctx, "k"); !found || err != nil {
			t.Fatal("miss")
		}
	})
	assert.Zero(t, allocs)
	allocs = testing.AllocsPerRun(1000, func() { _, _, _ = c.Get(ctx, "missing") })
	assert.Zero(t, allocs)
}

func TestIncrementedNumberIsReadAsTheCachesIntegerType(t *testing.T) {
	s := newMemory(t)
	ctx := context.Background()
	small := cache.Must(cache.New[string, int8](s, cache.Options[string, int8]{}))
	unsigned := cache.Must(cache.New[string, uint16](s, cache.Options[string, uint16]{}))
	_, err := small.Increment(ctx, "n", 100)
	require.NoError(t, err)
	v, found, err := small.Get(ctx, "n")
	require.NoError(t, err)
	assert.True(t, found)
	assert.EqualValues(t, 100, v)
	u, _, err := unsigned.Get(ctx, "n")
	require.NoError(t, err)
	assert.EqualValues(t, 100, u)

	_, err = small.Increment(ctx, "n", 100)
	require.NoError(t, err)
	_, found, err = small.Get(ctx, "n")
	assert.ErrorIs(t, err, cache.ErrDecode, "200 does not fit an int8: an error, not a wrapped-around value")
	assert.False(t, found)
	_, err = small.Increment(ctx, "neg", -1)
	require.NoError(t, err)
	_, _, err = unsigned.Get(ctx, "neg")
	assert.ErrorIs(t, err, cache.ErrDecode, "-1 is not a uint16")
}

// panicky is a serializer with a bug.
type panicky struct{}

func (panicky) Marshal(int) ([]byte, error)   { panic("marshal bug") }
func (panicky) Unmarshal([]byte) (int, error) { panic("unmarshal bug") }

func TestPanickingSerializerGivesErrors(t *testing.T) {
	s := newMemory(t)
	ctx := context.Background()
	c := cache.Must(cache.New[string, int](s, cache.Options[string, int]{Serializer: panicky{}}))
	assert.Error(t, c.Set(ctx, "k", 1))
	require.NoError(t, s.Set(ctx, "k", []byte("1"), 0))
	_, _, err := c.Get(ctx, "k")
	assert.ErrorIs(t, err, cache.ErrDecode)
}

func TestDecodeErrorUnwrapsToCause(t *testing.T) {
	cause := errors.New("bad byte")
	err := error(&cache.DecodeError{Key: "k", Err: cause})
	assert.ErrorIs(t, err, cache.ErrDecode)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, `cache: cannot decode value of key "k": bad byte`, err.Error())
}

func TestNilWriteOptionIsIgnored(t *testing.T) {
	c := cache.Must(cache.New[string, int](newMemory(t), cache.Options[string, int]{}))
	require.NoError(t, c.Set(context.Background(), "k", 1, nil))
}

func TestHookFuncAndOpNames(t *testing.T) {
	var seen []cache.Op
	c := cache.Must(cache.New[string, int](newMemory(t), cache.Options[string, int]{
		Hooks: []cache.Hook{cache.HookFunc(func(_ context.Context, e cache.Event) { seen = append(seen, e.Op) })},
	}))
	_ = c.Set(context.Background(), "k", 1)
	_, _, _ = c.Get(context.Background(), "k")
	assert.Equal(t, []cache.Op{cache.OpSet, cache.OpGet}, seen)
	assert.Equal(t, "multi_get", cache.OpMultiGet.String())
	assert.Equal(t, "unknown", cache.Op(200).String())
}
