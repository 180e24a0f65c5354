package lock_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/leasewait"
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/memory"
)

func TestAcquireTakesAFreeLockWithARawToken(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	l := lock.NewRed(c, "k", time.Minute)
	owned, err := l.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)

	held, err := c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.True(t, held, `c.Exists("k-lock") while the lock on "k" is held`)
	raw, found, err := c.Store().Get(ctx, "k-lock")
	require.NoError(t, err)
	require.True(t, found)
	assert.GreaterOrEqual(t, len(raw), 26, "the token holds at least 128 bits of base32")
	assert.NotContains(t, string(raw), `"`, "the token is written raw, not as JSON")

	require.NoError(t, l.Release(ctx))
	held, err = c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.False(t, held, "Release deletes the entry")
}

func TestLockEntryIsTheKeyFuncFormInTheNamespace(t *testing.T) {
	ctx := t.Context()
	s := newMemory(t, memory.Options{})
	c := cache.Must(cache.New(s, cache.Options[int, string]{Namespace: "users"}))
	l := lock.NewRed(c, 42, time.Minute)
	owned, err := l.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)
	defer l.Release(ctx)
	for key, want := range map[string]bool{"users:42-lock": true, "42-lock": false, "users:42": false} {
		found, err := s.Exists(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, want, found, "store key %q", key)
	}
}

func TestEveryAcquisitionWritesANewToken(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	l := lock.NewRed(c, "k", time.Minute)
	seen := map[string]bool{}
	for range 3 {
		owned, err := l.Acquire(ctx)
		require.NoError(t, err)
		require.True(t, owned, "a released Red can be acquired again")
		raw, _, err := c.Store().Get(ctx, "k-lock")
		require.NoError(t, err)
		assert.False(t, seen[string(raw)], "token %q reused", raw)
		seen[string(raw)] = true
		require.NoError(t, l.Release(ctx))
	}
}

func TestLockEntryExpiresAfterTheLease(t *testing.T) {
	ctx := t.Context()
	clock := newFakeClock()
	c := cache.Must(cache.New(newMemory(t, memory.Options{Clock: clock.Now}), cache.Options[string, string]{}))
	owned, err := lock.NewRed(c, "k", 10*time.Second).Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)
	clock.Advance(9 * time.Second)
	held, err := c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "held within the lease")
	clock.Advance(2 * time.Second)
	held, err = c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.False(t, held, "expired after the lease")
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

func TestLeaseMustBePositive(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	for _, lease := range []time.Duration{0, -time.Second} {
		owned, err := lock.NewRed(c, "k", lease).Acquire(ctx)
		assert.ErrorIs(t, err, lock.ErrInvalidLease, "lease %v", lease)
		assert.False(t, owned)
		ran := false
		err = lock.NewRed(c, "k", lease).Do(ctx, func(context.Context) error { ran = true; return nil })
		assert.ErrorIs(t, err, lock.ErrInvalidLease, "Do with lease %v", lease)
		assert.False(t, ran, "Do ran fn despite an invalid lease")
		held, err := c.Exists(ctx, "k-lock")
		require.NoError(t, err)
		assert.False(t, held, "an invalid lease wrote nothing")
	}
}

func TestNilCacheIsAnErrorNotAPanic(t *testing.T) {
	_, err := lock.NewRed[string, string](nil, "k", time.Second).Acquire(t.Context())
	assert.Error(t, err)
	_, err = lock.NewOptimistic[string, string](t.Context(), nil, "k")
	assert.Error(t, err)
}

func TestWaiterWakesPromptlyOnRelease(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	holder := lock.NewRed(c, "k", time.Minute)
	owned, err := holder.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)

	res := acquireAsync(ctx, lock.NewRed(c, "k", time.Minute))
	waitForWaiters(t, c.Store(), "k-lock", 1)
	require.NoError(t, holder.Release(ctx))
	released := time.Now()
	r := receive(t, res, 10*time.Second)
	require.NoError(t, r.err)
	assert.False(t, r.owned, "a waiter does not take the lock")
	assert.Less(t, r.at.Sub(released), 50*time.Millisecond, "wake-up latency")
	held, err := c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.False(t, held, "the waiter wrote no entry")
	assert.Zero(t, leasewait.Waiting(c.Store(), "k-lock"))
}

func TestWaiterGoesOnAfterTheLease(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	const lease = 200 * time.Millisecond
	owned, err := lock.NewRed(c, "k", lease).Acquire(ctx) // never released
	require.NoError(t, err)
	require.True(t, owned)
	start := time.Now()
	owned, err = lock.NewRed(c, "k", lease).Acquire(ctx)
	waited := time.Since(start)
	require.NoError(t, err)
	assert.False(t, owned)
	assert.GreaterOrEqual(t, waited, lease*9/10)
	assert.Less(t, waited, lease+2*time.Second)
	assert.Zero(t, leasewait.Waiting(c.Store(), "k-lock"))
}

func TestCancelWhileWaitingLeavesNothingBehind(t *testing.T) {
	c := newStringCache(t)
	owned, err := lock.NewRed(c, "k", time.Minute).Acquire(t.Context())
	require.NoError(t, err)
	require.True(t, owned)

	ctx, cancel := context.WithCancel(t.Context())
	res := acquireAsync(ctx, lock.NewRed(c, "k", time.Minute))
	waitForWaiters(t, c.Store(), "k-lock", 1)
	cancel()
	r := receive(t, res, 5*time.Second)
	assert.ErrorIs(t, r.err, context.Canceled)
	assert.False(t, r.owned)
	assert.Zero(t, leasewait.Waiting(c.Store(), "k-lock"))
	assert.Zero(t, leasewait.Len(), "no waiter entry left")
}

func TestDeadlineWhileWaitingIsReported(t *testing.T) {
	c := newStringCache(t)
	_, err := lock.NewRed(c, "k", time.Minute).Acquire(t.Context())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = lock.NewRed(c, "k", time.Minute).Acquire(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
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

func TestReleaseOfALockNotHeldDeletesNothing(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	const lease = 100 * time.Millisecond
	holder := lock.NewRed(c, "k", time.Minute)
	_, err := holder.Acquire(ctx)
	require.NoError(t, err)

	never := lock.NewRed(c, "k", time.Minute)
	require.NoError(t, never.Release(ctx), "never acquired")
	waited := lock.NewRed(c, "k", lease)
	owned, err := waited.Acquire(ctx)
	require.NoError(t, err)
	require.False(t, owned)
	require.NoError(t, waited.Release(ctx), "waited without owning")

	held, err := c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "the holder's entry survives releases by others")
}

func TestDoubleReleaseDoesNotFreeTheNextHolder(t *testing.T) {
	ctx := t.Context()
	c := newStringCache(t)
	first := lock.NewRed(c, "k", time.Minute)
	_, err := first.Acquire(ctx)
	require.NoError(t, err)
	require.NoError(t, first.Release(ctx))
	second := lock.NewRed(c, "k", time.Minute)
	owned, err := second.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)
	require.NoError(t, first.Release(ctx), "second Release")
	held, err := c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "a second Release deleted the next holder's entry")
}

func TestLateReleaseAfterExpiryDeletesNothing(t *testing.T) {
	ctx := t.Context()
	clock := newFakeClock()
	c := cache.Must(cache.New(newMemory(t, memory.Options{Clock: clock.Now}), cache.Options[string, string]{}))
	old := lock.NewRed(c, "k", 10*time.Second)
	owned, err := old.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)
	clock.Advance(11 * time.Second)
	next := lock.NewRed(c, "k", 10*time.Second)
	owned, err = next.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned, "an expired lock is free")

	require.NoError(t, old.Release(ctx))
	held, err := c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "the expired holder released the next holder's lock")
	require.NoError(t, next.Release(ctx))
	held, err = c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.False(t, held)
}
