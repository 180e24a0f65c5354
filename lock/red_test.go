package lock_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/memory"
)

// The behaviour of both locks on every store is the suite of package
// lock/locktest (see conformance_test.go). The tests here are of the lock
// itself, on a memory store.

func TestEveryAcquisitionWritesANewToken(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	raw := cache.Must(cache.New(c.Store(), cache.Options[string, []byte]{Serializer: cachetest.RawBytes{}}))
	l := lock.NewRed(c, "k", time.Minute)
	seen := map[string]bool{}
	for range 3 {
		owned, err := l.Acquire(ctx)
		require.NoError(t, err)
		require.True(t, owned, "a released Red can be acquired again")
		token, _, err := raw.Get(ctx, "k-lock")
		require.NoError(t, err)
		assert.False(t, seen[string(token)], "token %q reused", token)
		seen[string(token)] = true
		require.NoError(t, l.Release(ctx))
	}
}

func TestAcquireWhileHoldingIsAnError(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	l := lock.NewRed(c, "k", time.Minute)
	_, err := l.Acquire(ctx)
	require.NoError(t, err)
	owned, err := l.Acquire(ctx)
	require.Error(t, err, "a second Acquire would wait a whole lease for itself")
	assert.False(t, owned)
	require.NoError(t, l.Release(ctx))
	held, err := c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.False(t, held, "the failed Acquire did not lose the token")
}

func TestNilCacheIsAnErrorNotAPanic(t *testing.T) {
	_, err := lock.NewRed[string, string](nil, "k", time.Second).Acquire(t.Context())
	assert.Error(t, err)
	_, err = lock.NewOptimistic[string, string](t.Context(), nil, "k")
	assert.Error(t, err)
}

func TestAcquireWithEndedContextWritesNothing(t *testing.T) {
	c := newStringCache(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	owned, err := lock.NewRed(c, "k", time.Minute).Acquire(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, owned)
	held, err := c.Exists(t.Context(), "k-lock")
	require.NoError(t, err)
	assert.False(t, held)
}

func TestDoHoldsTheLockWhileFnRuns(t *testing.T) {
	c := newStringCache(t)
	var held bool
	err := lock.NewRed(c, "k", time.Minute).Do(t.Context(), func(ctx context.Context) error {
		var err error
		held, err = c.Exists(ctx, "k-lock")
		return err
	})
	require.NoError(t, err)
	assert.True(t, held, "the lock is held while fn runs")
	assertReleased(t, c)
}

func TestDoReleasesWhenCtxIsCancelledDuringFn(t *testing.T) {
	c := newStringCache(t)
	ctx, cancel := context.WithCancel(t.Context())
	err := lock.NewRed(c, "k", time.Minute).Do(ctx, func(context.Context) error { cancel(); return nil })
	assert.NoError(t, err)
	assertReleased(t, c)
}

func TestDoReturnsTheReleaseError(t *testing.T) {
	s := newMemory(t, memory.Options{})
	c := cache.Must(cache.New(s, cache.Options[string, string]{}))
	err := lock.NewRed(c, "k", time.Minute).Do(t.Context(), func(context.Context) error { return s.Close() })
	assert.ErrorIs(t, err, cache.ErrClosed)
}

func TestDoDoesNotRunFnWhenAcquireFails(t *testing.T) {
	refused := make(chan struct{}, 1)
	c := cache.Must(cache.New(newMemory(t, memory.Options{}), cache.Options[string, string]{Hooks: []cache.Hook{
		cache.HookFunc(func(_ context.Context, e cache.Event) {
			if e.Op == cache.OpLockAcquire && !e.Ok {
				refused <- struct{}{}
			}
		}),
	}}))
	_, err := lock.NewRed(c, "k", time.Minute).Acquire(t.Context())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- lock.NewRed(c, "k", time.Minute).Do(ctx, func(context.Context) error { ran <- struct{}{}; return nil })
	}()
	receive(t, refused, 10*time.Second)
	cancel()
	assert.ErrorIs(t, receive(t, done, 5*time.Second), context.Canceled)
	assert.Empty(t, ran, "fn ran after Acquire failed")
}

func assertReleased(t *testing.T, c *cache.Cache[string, string]) {
	t.Helper()
	held, err := c.Exists(t.Context(), "k-lock")
	require.NoError(t, err)
	assert.False(t, held, "the lock is still held after Do")
}
