package lock_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/leasewait"
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/memory"
)

// heldDuring reports, from inside fn, whether the lock on "k" was held.
func heldDuring(c *cache.Cache[string, string]) (fn func(context.Context) error, held *bool) {
	held = new(bool)
	return func(ctx context.Context) error {
		var err error
		*held, err = c.Exists(ctx, "k-lock")
		return err
	}, held
}

func assertReleased(t *testing.T, c *cache.Cache[string, string]) {
	t.Helper()
	held, err := c.Exists(t.Context(), "k-lock")
	require.NoError(t, err)
	assert.False(t, held, "the lock is still held after Do")
}

func TestDoHoldsTheLockWhileFnRuns(t *testing.T) {
	c := newStringCache(t)
	fn, held := heldDuring(c)
	require.NoError(t, lock.NewRed(c, "k", time.Minute).Do(t.Context(), fn))
	assert.True(t, *held)
	assertReleased(t, c)
}

func TestDoReleasesWhenFnFails(t *testing.T) {
	c := newStringCache(t)
	errFn := errors.New("fn failed")
	err := lock.NewRed(c, "k", time.Minute).Do(t.Context(), func(context.Context) error { return errFn })
	assert.ErrorIs(t, err, errFn)
	assertReleased(t, c)
}

func TestDoReleasesWhenFnPanicsAndRepanics(t *testing.T) {
	c := newStringCache(t)
	recovered := func() (r any) {
		defer func() { r = recover() }()
		_ = lock.NewRed(c, "k", time.Minute).Do(t.Context(), func(context.Context) error { panic("boom") })
		return nil
	}()
	assert.Equal(t, "boom", recovered, "the panic goes on after the release")
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

func TestDoRunsFnAfterWaitingAndSeesTheHoldersValue(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	holder := lock.NewRed(c, "k", time.Minute)
	owned, err := holder.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)

	got := make(chan string, 1)
	go func() {
		_ = lock.NewRed(c, "k", time.Minute).Do(ctx, func(ctx context.Context) error {
			v, _, err := c.Get(ctx, "k")
			got <- v
			return err
		})
	}()
	waitForWaiters(t, c.Store(), "k-lock", 1)
	require.NoError(t, c.Set(ctx, "k", "computed"))
	require.NoError(t, holder.Release(ctx))
	assert.Equal(t, "computed", receive(t, got, 10*time.Second))
}

func TestDoDoesNotRunFnWhenAcquireFails(t *testing.T) {
	c := newStringCache(t)
	_, err := lock.NewRed(c, "k", time.Minute).Acquire(t.Context())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- lock.NewRed(c, "k", time.Minute).Do(ctx, func(context.Context) error { ran <- struct{}{}; return nil })
	}()
	waitForWaiters(t, c.Store(), "k-lock", 1)
	cancel()
	assert.ErrorIs(t, receive(t, done, 5*time.Second), context.Canceled)
	assert.Empty(t, ran, "fn ran after Acquire failed")
}

// TestOwnersNeverOverlapUnderChurn has many goroutines take and release one
// lock with a long lease (run with -race): while nothing expires, at most
// one goroutine owns it at a time, and nothing is left behind.
func TestOwnersNeverOverlapUnderChurn(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	var owners, maxOwners, ownedCount atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				l := lock.NewRed(c, "k", time.Minute)
				owned, err := l.Acquire(ctx)
				if !assert.NoError(t, err) {
					return
				}
				if !owned {
					continue
				}
				ownedCount.Add(1)
				n := owners.Add(1)
				for m := maxOwners.Load(); n > m && !maxOwners.CompareAndSwap(m, n); m = maxOwners.Load() {
				}
				owners.Add(-1)
				assert.NoError(t, l.Release(ctx))
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), maxOwners.Load(), "owners at once")
	assert.Positive(t, ownedCount.Load())
	assert.Zero(t, leasewait.Len())
	assertReleased(t, c)
}
