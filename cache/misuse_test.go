package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

func TestNilHookIsRefused(t *testing.T) {
	_, err := cache.New(newMemory(t), cache.Options[string, int]{Hooks: []cache.Hook{nil}})
	assert.ErrorIs(t, err, cache.ErrInvalidUse)
	c := cache.Must(cache.New(newMemory(t), cache.Options[string, int]{}))
	_, err = c.WithHooks(nil)
	assert.ErrorIs(t, err, cache.ErrInvalidUse)
}

// calls are every operation of a Cache[string, int], by name.
func calls(c *cache.Cache[string, int]) map[string]func(ctx context.Context) error {
	return map[string]func(ctx context.Context) error{
		"Get":        func(ctx context.Context) error { _, _, err := c.Get(ctx, "k"); return err },
		"GetVersion": func(ctx context.Context) error { _, _, _, err := c.GetVersion(ctx, "k"); return err },
		"MultiGet":   func(ctx context.Context) error { _, err := c.MultiGet(ctx, "k", "j"); return err },
		"Set":        func(ctx context.Context) error { return c.Set(ctx, "k", 1) },
		"MultiSet":   func(ctx context.Context) error { return c.MultiSet(ctx, map[string]int{"k": 1}) },
		"Add":        func(ctx context.Context) error { return c.Add(ctx, "k", 1) },
		"CompareAndSwap": func(ctx context.Context) error {
			_, _, err := c.CompareAndSwap(ctx, "k", nil, 1)
			return err
		},
		"Delete":    func(ctx context.Context) error { _, err := c.Delete(ctx, "k"); return err },
		"Exists":    func(ctx context.Context) error { _, err := c.Exists(ctx, "k"); return err },
		"Increment": func(ctx context.Context) error { _, err := c.Increment(ctx, "k", 1); return err },
		"Expire":    func(ctx context.Context) error { _, err := c.Expire(ctx, "k", time.Second); return err },
		"Clear":     func(ctx context.Context) error { return c.Clear(ctx) },
		"Entry.Get": func(ctx context.Context) error { _, _, err := c.Entry("k", "-x").Get(ctx); return err },
	}
}

func TestZeroCacheIsAnError(t *testing.T) {
	for name, call := range calls(new(cache.Cache[string, int])) {
		assert.NotPanics(t, func() { assert.ErrorIs(t, call(t.Context()), cache.ErrInvalidUse, name) }, name)
	}
	var nilCache *cache.Cache[string, int]
	for name, call := range calls(nilCache) {
		assert.NotPanics(t, func() { assert.ErrorIs(t, call(t.Context()), cache.ErrInvalidUse, name) }, name)
	}
}

func TestNilContextIsAnError(t *testing.T) {
	c := cache.Must(cache.New(newMemory(t), cache.Options[string, int]{}))
	for name, call := range calls(c) {
		//lint:ignore SA1012 a nil context is what this test passes
		assert.NotPanics(t, func() { assert.ErrorIs(t, call(nil), cache.ErrInvalidUse, name) }, name) //nolint:staticcheck
	}
}

func TestEmptyMultiCallsOnAClosedStoreSayClosed(t *testing.T) {
	s := memory.New(memory.Options{})
	c := cache.Must(cache.New(s, cache.Options[string, []byte]{Serializer: nil}))
	require.NoError(t, s.Close())
	_, err := c.MultiGet(t.Context())
	assert.ErrorIs(t, err, cache.ErrClosed)
	assert.ErrorIs(t, c.MultiSet(t.Context(), map[string][]byte{}), cache.ErrClosed)
}
