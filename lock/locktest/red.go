package locktest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/lock"
)

// longLease is the lease of tests that release explicitly: far longer than
// any of them runs, so that nothing depends on it expiring.
const longLease = time.Minute

// runRedLock checks lock.Red on the store: the cache-stampede example
// across store instances, lease expiry, prompt wake-up on release, release
// by non-owners, and Do's clean-up.
func runRedLock(t *testing.T, h cachetest.Harness) {
	t.Run("LoaderRunsOnceAcrossInstances", func(t *testing.T) { redLoaderRunsOnce(t, h) })
	t.Run("WaitersGoOnAfterTheLease", func(t *testing.T) { redLeaseExpiry(t, h) })
	t.Run("FailedAcquireLeavesNoLock", func(t *testing.T) { redOrphan(t, h) })
	t.Run("WaiterOnTheSameInstanceWakesOnRelease", func(t *testing.T) {
		s := store(t, h)
		redWakeLatency(t, s, s, h.WakeWithinOrDefault()/2, h.WakeWithinOrDefault())
	})
	t.Run("WaiterOnAnotherInstanceWakesOnRelease", func(t *testing.T) {
		if !h.Shared {
			t.Skip("store instances do not share data")
		}
		ss := stores(t, h, 2)
		redWakeLatency(t, ss[0], ss[1], h.WakeWithinOrDefault(), 4*h.WakeWithinOrDefault())
	})
	t.Run("EntryIsVisibleWhileHeld", func(t *testing.T) { redEntryIsVisible(t, h) })
	t.Run("ReleaseByNonOwnerDeletesNothing", func(t *testing.T) { redNonOwnerRelease(t, h) })
	t.Run("DoubleReleaseDeletesNothing", func(t *testing.T) { redDoubleRelease(t, h) })
	t.Run("LeaseMustBePositive", func(t *testing.T) {
		c := cachetest.NewCache[string, string](t, store(t, h), cache.Options[string, string]{})
		for _, lease := range []time.Duration{0, -time.Second} {
			_, err := lock.NewRed(c, "k", lease).Acquire(t.Context())
			assert.ErrorIs(t, err, lock.ErrInvalidLease, "lease %v", lease)
		}
		assertUnlocked(t, h, c, "k")
	})
	t.Run("CancelWhileWaiting", func(t *testing.T) { redCancelWhileWaiting(t, h) })
	t.Run("DoReleasesAfterError", func(t *testing.T) {
		c := cachetest.NewCache[string, string](t, store(t, h), cache.Options[string, string]{})
		errFn := errors.New("fn failed")
		err := lock.NewRed(c, "k", longLease).Do(t.Context(), func(context.Context) error { return errFn })
		assert.ErrorIs(t, err, errFn)
		assertUnlocked(t, h, c, "k")
	})
	t.Run("DoReleasesAfterPanic", func(t *testing.T) {
		c := cachetest.NewCache[string, string](t, store(t, h), cache.Options[string, string]{})
		r := func() (r any) {
			defer func() { r = recover() }()
			_ = lock.NewRed(c, "k", longLease).Do(t.Context(), func(context.Context) error { panic("boom") })
			return nil
		}()
		assert.Equal(t, "boom", r, "Do re-raises fn's panic")
		assertUnlocked(t, h, c, "k")
	})
	t.Run("OwnersNeverOverlapUnderChurn", func(t *testing.T) { redChurn(t, h) })
	t.Run("CancellationStorm", func(t *testing.T) {
		// Acquire of a free lock (an Add) and of a held one (a wait).
		s := store(t, h)
		c := cachetest.NewCache[string, string](t, s, cache.Options[string, string]{})
		holder := acquired(t, c, "held", longLease)
		defer holder.Release(context.WithoutCancel(t.Context()))
		cachetest.RunStorm(t, []cachetest.StormOp{
			{Name: "Acquire", Call: func(ctx context.Context) error {
				l := lock.NewRed(c, "free", longLease)
				owned, err := l.Acquire(ctx)
				if owned {
					return l.Release(context.WithoutCancel(ctx))
				}
				return err
			}},
			{Name: "AcquireHeld", Call: func(ctx context.Context) error {
				_, err := lock.NewRed(c, "held", longLease).Acquire(ctx)
				return err
			}},
		})
	})
}

// assertUnlocked checks that the lock on key of c is not held (within
// Harness.ReadLag of its release through another instance).
func assertUnlocked(t *testing.T, h cachetest.Harness, c *cache.Cache[string, string], key string) {
	t.Helper()
	var err error
	free := h.Eventually(func() bool {
		var held bool
		held, err = c.Exists(t.Context(), key+"-lock")
		return err != nil || !held
	})
	require.NoError(t, err)
	assert.True(t, free, "the lock on %q is held", key)
}

// acquired takes the lock on key of c, failing t if it is not free.
func acquired(t *testing.T, c *cache.Cache[string, string], key string, lease time.Duration) *lock.Red[string, string] {
	t.Helper()
	l := lock.NewRed(c, key, lease)
	owned, err := l.Acquire(t.Context())
	require.NoError(t, err)
	require.True(t, owned, "the lock on %q is free", key)
	return l
}

// redLoaderRunsOnce is the cache-stampede example: 24 goroutines spread over three
// store instances run Do(get; if missing { expensive(); set }) on one key
// at once. The loader runs once, after every other goroutine is waiting,
// and every goroutine returns its value.
func redLoaderRunsOnce(t *testing.T, h cachetest.Harness) {
	stores := stores(t, h, 3)
	caches := make([]*cache.Cache[string, string], len(stores))
	for i, s := range stores {
		caches[i] = cachetest.NewCache[string, string](t, s, cache.Options[string, string]{})
	}
	const goroutines = 24
	lockKey := caches[0].KeyWithSuffix("report", "-lock")
	var loads atomic.Int64
	expensive := func() string {
		loads.Add(1)
		// Hold the lock until everyone else waits on it, so that the test
		// proves they all waited rather than came late.
		assert.True(t, awaitWaiters(stores, lockKey, goroutines-1, 20*time.Second),
			"%d of %d goroutines waited for the loader", waiting(stores, lockKey), goroutines-1)
		return "expensive value"
	}

	start := make(chan struct{})
	results := make([]string, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for i := range goroutines {
		c := caches[i%len(caches)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = lock.NewRed(c, "report", longLease).Do(t.Context(), func(ctx context.Context) error {
				v, found, err := c.Get(ctx, "report")
				if err != nil || found {
					results[i] = v
					return err
				}
				results[i] = expensive()
				return c.Set(ctx, "report", results[i])
			})
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int64(1), loads.Load(), "times the expensive function ran")
	for i := range goroutines {
		assert.NoError(t, errs[i], "goroutine %d", i)
		assert.Equal(t, "expensive value", results[i], "goroutine %d", i)
	}
	assertUnlocked(t, h, caches[0], "report")
}

// redLeaseExpiry checks that waiters go on after the lease when the holder
// never releases, without taking the lock, and that the holder's late
// release does not free the next holder's lock.
func redLeaseExpiry(t *testing.T, h cachetest.Harness) {
	stores := stores(t, h, 3)
	caches := make([]*cache.Cache[string, string], len(stores))
	for i, s := range stores {
		caches[i] = cachetest.NewCache[string, string](t, s, cache.Options[string, string]{})
	}
	lease := max(time.Second, h.TTLResolution)
	taken := time.Now() // before the holder's entry is written: it expires a lease after this, or later
	holder := acquired(t, caches[0], "k", lease)

	type result struct {
		owned  bool
		err    error
		wentOn time.Duration // since taken
	}
	results := make(chan result, len(caches))
	for _, c := range caches {
		go func() {
			l := lock.NewRed(c, "k", lease)
			owned, err := l.Acquire(t.Context())
			wentOn := time.Since(taken)
			if owned {
				_ = l.Release(context.WithoutCancel(t.Context()))
			}
			results <- result{owned, err, wentOn}
		}()
	}
	for range caches {
		r := <-results
		require.NoError(t, r.err)
		// A waiter started after the holder may go on before a lease of
		// its own has passed, but never before the holder's lease. One
		// that a loaded machine started only after the holder's entry
		// expired finds the lock free and takes it (the others then wait
		// for it: it lets go at once, below).
		assert.GreaterOrEqual(t, r.wentOn, lease*9/10, "a waiter went on, or took the lock, before the holder's lease")
		assert.Less(t, r.wentOn, 3*lease+2*h.TTLResolution+3*time.Second, "a waiter waited far beyond the lease")
	}

	// The entry expires (on memcached up to a second or so after the lease);
	// then the lock is free for the next holder.
	cachetest.AwaitGone(t, caches[0], "k-lock", h.ExpiryDeadline(time.Now(), lease))
	next := acquired(t, caches[1], "k", longLease)
	require.NoError(t, holder.Release(t.Context()), "a late release is not an error")
	held, err := caches[2].Exists(t.Context(), "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "the expired holder's release freed the next holder's lock")
	require.NoError(t, next.Release(t.Context()))
	assertUnlocked(t, h, caches[2], "k")
}

// redWakeLatency measures, over several rounds, the time from a Release
// on holderStore returning to an Acquire waiting on waiterStore returning.
// The median must be below median and every round below worst.
func redWakeLatency(t *testing.T, holderStore, waiterStore instance, median, worst time.Duration) {
	hc := cachetest.NewCache[string, string](t, holderStore, cache.Options[string, string]{})
	wc := cachetest.NewCache[string, string](t, waiterStore, cache.Options[string, string]{})
	lockKey := wc.KeyWithSuffix("k", "-lock")
	const rounds = 21
	var lat []time.Duration
	for range rounds {
		holder := acquired(t, hc, "k", longLease)
		done := make(chan time.Time, 1)
		go func() {
			owned, err := lock.NewRed(wc, "k", longLease).Acquire(t.Context())
			assert.NoError(t, err)
			assert.False(t, owned, "a waiter took the lock")
			done <- time.Now()
		}()
		require.True(t, awaitWaiters([]instance{waiterStore}, lockKey, 1, 10*time.Second), "the waiter is waiting")
		require.NoError(t, holder.Release(t.Context()))
		released := time.Now()
		select {
		case woke := <-done:
			lat = append(lat, woke.Sub(released))
		case <-time.After(30 * time.Second):
			t.Fatal("the waiter was not woken by the release")
		}
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(rounds-1))] }
	t.Logf("wake-up latency over %d rounds: min %v, p50 %v, p90 %v, max %v", rounds, lat[0], p(0.5), p(0.9), lat[rounds-1])
	assert.Less(t, p(0.5), median, "median wake-up latency")
	assert.Less(t, lat[rounds-1], worst, "worst wake-up latency")
}

// redEntryIsVisible checks where the lock keeps its entry: at the key's
// string form plus "-lock" in the cache's namespace, holding a raw token.
func redEntryIsVisible(t *testing.T, h cachetest.Harness) {
	s := store(t, h)
	ctx := t.Context()
	c := cachetest.NewCache[string, string](t, s, cache.Options[string, string]{})
	l := acquired(t, c, "k", longLease)
	held, err := c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.True(t, held, `c.Exists("k-lock") while the lock on "k" is held`)
	raw, found, err := cachetest.NewCache[string, []byte](t, s, cache.Options[string, []byte]{Serializer: cachetest.RawBytes{}}).Get(ctx, "k-lock")
	require.NoError(t, err)
	require.True(t, found)
	assert.GreaterOrEqual(t, len(raw), 16, "a token of at least 128 bits")
	assert.NotContains(t, string(raw), `"`, "the token is written raw, not through the serializer")
	require.NoError(t, l.Release(ctx))
	assertUnlocked(t, h, c, "k")

	ns := cachetest.NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "ns"})
	l = acquired(t, ns, "k", longLease)
	held, err = ns.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "the lock entry is in the cache's namespace")
	held, err = c.Exists(ctx, "k-lock")
	require.NoError(t, err)
	assert.False(t, held, "the lock entry is in the cache's namespace only")
	require.NoError(t, l.Release(ctx))
}

func redNonOwnerRelease(t *testing.T, h cachetest.Harness) {
	stores := stores(t, h, 2)
	a := cachetest.NewCache[string, string](t, stores[0], cache.Options[string, string]{})
	b := cachetest.NewCache[string, string](t, stores[1], cache.Options[string, string]{})
	holder := acquired(t, a, "k", longLease)
	require.NoError(t, lock.NewRed(b, "k", longLease).Release(t.Context()), "release of a lock never acquired")
	waiter := lock.NewRed(b, "k", 100*time.Millisecond)
	owned, err := waiter.Acquire(t.Context())
	require.NoError(t, err)
	require.False(t, owned)
	require.NoError(t, waiter.Release(t.Context()), "release after waiting")
	held, err := a.Exists(t.Context(), "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "a release by a non-owner freed the lock")
	require.NoError(t, holder.Release(t.Context()))
	assertUnlocked(t, h, a, "k")
}

func redDoubleRelease(t *testing.T, h cachetest.Harness) {
	stores := stores(t, h, 2)
	a := cachetest.NewCache[string, string](t, stores[0], cache.Options[string, string]{})
	b := cachetest.NewCache[string, string](t, stores[1], cache.Options[string, string]{})
	first := acquired(t, a, "k", longLease)
	require.NoError(t, first.Release(t.Context()))
	second := acquired(t, b, "k", longLease)
	require.NoError(t, first.Release(t.Context()), "a second release is not an error")
	held, err := b.Exists(t.Context(), "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "a second release freed the next holder's lock")
	require.NoError(t, second.Release(t.Context()))
}

func redCancelWhileWaiting(t *testing.T, h cachetest.Harness) {
	stores := stores(t, h, 2)
	a := cachetest.NewCache[string, string](t, stores[0], cache.Options[string, string]{})
	b := cachetest.NewCache[string, string](t, stores[1], cache.Options[string, string]{})
	holder := acquired(t, a, "k", longLease)
	defer holder.Release(context.WithoutCancel(t.Context()))
	lockKey := b.KeyWithSuffix("k", "-lock")

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := lock.NewRed(b, "k", longLease).Acquire(ctx)
		done <- err
	}()
	require.True(t, awaitWaiters(stores[1:], lockKey, 1, 10*time.Second), "the waiter is waiting")
	cancel()
	cancelled := time.Now()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
		// Promptly, not at the end of the minute's lease.
		assert.Less(t, time.Since(cancelled), 5*time.Second, "Acquire returned promptly")
	case <-time.After(10 * time.Second):
		t.Fatal("Acquire did not return after its context was cancelled")
	}
	assert.Zero(t, waiting(stores[1:], lockKey), "the cancelled waiter left its watch behind")
}

// redChurn has goroutines on several store instances take and release one
// lock many times. With a lease that never expires, Add and
// CompareAndDelete being atomic means owners never overlap.
func redChurn(t *testing.T, h cachetest.Harness) {
	stores := stores(t, h, 3)
	caches := make([]*cache.Cache[string, string], len(stores))
	for i, s := range stores {
		caches[i] = cachetest.NewCache[string, string](t, s, cache.Options[string, string]{})
	}
	var owners, maxOwners, owned atomic.Int64
	var wg sync.WaitGroup
	for g := range 12 {
		c := caches[g%len(caches)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 15 {
				l := lock.NewRed(c, "k", longLease)
				ok, err := l.Acquire(t.Context())
				if !assert.NoError(t, err) {
					return
				}
				if !ok {
					continue
				}
				owned.Add(1)
				n := owners.Add(1)
				for m := maxOwners.Load(); n > m && !maxOwners.CompareAndSwap(m, n); m = maxOwners.Load() {
				}
				// A round trip while owning, so that overlaps would show.
				held, err := c.Exists(t.Context(), "k-lock")
				assert.NoError(t, err)
				assert.True(t, held, "an owner's lock is not held")
				owners.Add(-1)
				assert.NoError(t, l.Release(t.Context()))
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), maxOwners.Load(), "owners of the lock at once")
	assert.Positive(t, owned.Load())
	assertUnlocked(t, h, caches[0], "k")
	assert.Zero(t, waiting(stores, caches[0].KeyWithSuffix("k", "-lock")), "waiters left behind")
}
