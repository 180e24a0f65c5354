package loader_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/loader"
	"github.com/cachekit/cachekit/loader/loadertest"
	"github.com/cachekit/cachekit/memory"
)

// The loader's behaviour on every store is the suite of package
// loader/loadertest, which each store's tests run; here it runs on memory.
func TestConformanceOnMemory(t *testing.T) {
	loadertest.Run(t, cachetest.Harness{New: func(testing.TB) cache.Store { return memory.New(memory.Options{}) }})
}

func newCache(t *testing.T) *cache.Cache[string, int] {
	s := memory.New(memory.Options{})
	t.Cleanup(func() { _ = s.Close() })
	return cache.Must(cache.New(s, cache.Options[string, int]{}))
}

func TestNewRefusesBadArguments(t *testing.T) {
	c := newCache(t)
	fn := func(context.Context, string) (int, error) { return 1, nil }
	_, err := loader.New[string, int](nil, fn, loader.Options[string, int]{})
	assert.Error(t, err, "nil cache")
	_, err = loader.New(c, nil, loader.Options[string, int]{})
	assert.Error(t, err, "nil fn")
	_, err = loader.New(c, fn, loader.Options[string, int]{Lease: -time.Second})
	assert.Error(t, err, "negative Lease")
	_, err = loader.New(c, fn, loader.Options[string, int]{MissTTL: -time.Second})
	assert.Error(t, err, "negative MissTTL")
	assert.Panics(t, func() { loader.Must(loader.New(c, nil, loader.Options[string, int]{})) })
}

func TestHitAllocatesNothingAndCallsNoFn(t *testing.T) {
	for name, opts := range map[string]loader.Options[string, int]{
		"plain":   {},
		"refresh": {TTL: time.Hour, RefreshAfter: 50 * time.Minute},
		// examples/httpservice's: StoreTimeout does not bound an
		// in-process store, which does no I/O.
		"production": {TTL: time.Hour, RefreshAfter: 50 * time.Minute, StaleFor: time.Hour,
			MissTTL: time.Minute, FailOpen: true, StoreTimeout: time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			c := newCache(t)
			ctx := t.Context()
			require.NoError(t, c.Set(ctx, "k", 1000, cache.TTL(2*time.Hour)))
			l := loader.Must(loader.New(c, func(context.Context, string) (int, error) {
				t.Fatal("fn ran for a hit")
				return 0, nil
			}, opts))
			allocs := testing.AllocsPerRun(1000, func() {
				if v, err := l.Get(ctx, "k"); err != nil || v != 1000 {
					t.Fatalf("Get = %v, %v", v, err)
				}
			})
			assert.Zero(t, allocs)
		})
	}
}

func TestMultiGetWithoutBatchLoadsEachMiss(t *testing.T) {
	c := newCache(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "a", 1))
	l := loader.Must(loader.New(c, func(_ context.Context, k string) (int, error) {
		if k == "none" {
			return 0, loader.ErrNotFound
		}
		return len(k), nil
	}, loader.Options[string, int]{}))
	got, err := l.MultiGet(ctx, "a", "bb", "ccc", "none")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1, "bb": 2, "ccc": 3}, got)
}

func TestZeroLoaderIsAnError(t *testing.T) {
	var l loader.Loader[string, int]
	assert.NotPanics(t, func() {
		_, err := l.Get(t.Context(), "k")
		assert.ErrorIs(t, err, cache.ErrInvalidUse)
		_, err = l.MultiGet(t.Context(), "k")
		assert.ErrorIs(t, err, cache.ErrInvalidUse)
		assert.NoError(t, l.Close())
	})
}
