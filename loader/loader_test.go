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
	for _, name := range []string{"plain", "refresh", "production"} {
		// An int is a word of the memory store (cache.WordStore), a
		// string a value it holds as it is: two kinds of reads.
		t.Run(name+"/int", func(t *testing.T) { hitAllocs(t, newCache(t), 1000, hitOptions[int](name)) })
		t.Run(name+"/string", func(t *testing.T) {
			s := memory.New(memory.Options{})
			t.Cleanup(func() { _ = s.Close() })
			hitAllocs(t, cache.Must(cache.New(s, cache.Options[string, string]{})), "value", hitOptions[string](name))
		})
	}
}

// hitOptions are the options of a loader of TestHitAllocatesNothingAndCallsNoFn.
func hitOptions[V any](name string) loader.Options[string, V] {
	switch name {
	case "refresh":
		return loader.Options[string, V]{TTL: time.Hour, RefreshAfter: 50 * time.Minute}
	case "production":
		// examples/httpservice's: StoreTimeout does not bound an
		// in-process store, which does no I/O.
		return loader.Options[string, V]{TTL: time.Hour, RefreshAfter: 50 * time.Minute, StaleFor: time.Hour,
			MissTTL: time.Minute, FailOpen: true, StoreTimeout: time.Second}
	}
	return loader.Options[string, V]{}
}

// hitAllocs checks that a hit on v, with two hours left, allocates nothing
// and calls no fn.
func hitAllocs[V comparable](t *testing.T, c *cache.Cache[string, V], v V, opts loader.Options[string, V]) {
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", v, cache.TTL(2*time.Hour)))
	l := loader.Must(loader.New(c, func(context.Context, string) (V, error) {
		t.Fatal("fn ran for a hit")
		return v, nil
	}, opts))
	allocs := testing.AllocsPerRun(1000, func() {
		if got, err := l.Get(ctx, "k"); err != nil || got != v {
			t.Fatalf("Get = %v, %v", got, err)
		}
	})
	assert.Zero(t, allocs)
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
