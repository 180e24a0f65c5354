package locktest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/lock"
)

// runRedWaitsForTheHolder checks that a waiter waits for the holder, not
// for a message: it goes on when the holder's entry is gone however that
// came about, and no later than the holder's entry expires.
func runRedWaitsForTheHolder(t *testing.T, h cachetest.Harness) {
	t.Run("ForeignDeleteWakesWaiters", func(t *testing.T) { redForeignDelete(t, h) })
	t.Run("HolderExpiryWakesWaiters", func(t *testing.T) { redHolderExpiry(t, h) })
	t.Run("ExtendKeepsTheLockAcrossLeases", func(t *testing.T) { redExtend(t, h) })
	t.Run("ExtendOfALockNotHeld", func(t *testing.T) { redExtendNotHeld(t, h) })
	t.Run("CloseWhileWaiting", func(t *testing.T) { redCloseWhileWaiting(t, h) })
	t.Run("WaitIsReportedToHooks", func(t *testing.T) { redWaitHooks(t, h) })
}

// deleteRaw deletes the backend key key as another program would: with the
// backend's own client if h has one, else through a store instance of its
// own if instances share data, else through s.
func deleteRaw(t *testing.T, h cachetest.Harness, s cache.Store, key string) {
	t.Helper()
	if h.DeleteRaw != nil {
		h.DeleteRaw(t, key)
		return
	}
	if h.Shared {
		s = h.New(t)
		defer s.Close()
	}
	_, err := s.Delete(t.Context(), key)
	require.NoError(t, err)
}

// waitResult is what an Acquire that waited returned, and how long it took.
type waitResult struct {
	owned  bool
	err    error
	waited time.Duration
}

// acquireAsync starts lock.NewRed(c, key, lease).Acquire in a goroutine.
func acquireAsync(ctx context.Context, c *cache.Cache[string, string], key string, lease time.Duration) <-chan waitResult {
	done := make(chan waitResult, 1)
	go func() {
		start := time.Now()
		owned, err := lock.NewRed(c, key, lease).Acquire(ctx)
		done <- waitResult{owned, err, time.Since(start)}
	}()
	return done
}

func redForeignDelete(t *testing.T, h cachetest.Harness) {
	ss := stores(t, h, 2)
	hc := cachetest.NewCache[string, string](t, ss[0], cache.Options[string, string]{Namespace: "fd"})
	wc := cachetest.NewCache[string, string](t, ss[1], cache.Options[string, string]{Namespace: "fd"})
	lockKey := wc.KeyWithSuffix("k", "-lock")
	const rounds = 11
	var lat []time.Duration
	for range rounds {
		acquired(t, hc, "k", longLease) // never released: deleted by another program
		done := acquireAsync(t.Context(), wc, "k", longLease)
		require.True(t, awaitWaiters(ss[1:], lockKey, 1, 10*time.Second), "the waiter is waiting")
		deleteRaw(t, h, ss[0], lockKey)
		deleted := time.Now()
		select {
		case r := <-done:
			require.NoError(t, r.err)
			assert.False(t, r.owned, "a waiter took the lock")
			lat = append(lat, time.Since(deleted))
		case <-time.After(30 * time.Second):
			t.Fatal("the waiter did not go on after the holder's entry was deleted by another program")
		}
	}
	slices.Sort(lat)
	t.Logf("woken after a foreign delete: min %v, p50 %v, max %v over %d rounds", lat[0], lat[rounds/2], lat[rounds-1], rounds)
	assert.Less(t, lat[rounds/2], h.WakeWithinOrDefault(), "median wake-up after a foreign delete")
	assert.Less(t, lat[rounds-1], 4*h.WakeWithinOrDefault(), "worst wake-up after a foreign delete")
}

// holderLease is the lease of a holder that never releases: short on
// stores with millisecond TTLs, a tick on memcached.
func holderLease(h cachetest.Harness) time.Duration {
	if h.TTLResolution > 0 {
		return h.TTLResolution
	}
	return 500 * time.Millisecond
}

func redHolderExpiry(t *testing.T, h cachetest.Harness) {
	ss := stores(t, h, 2)
	hc := cachetest.NewCache[string, string](t, ss[0], cache.Options[string, string]{Namespace: "he"})
	wc := cachetest.NewCache[string, string](t, ss[1], cache.Options[string, string]{Namespace: "he"})
	lease := holderLease(h)
	acquired(t, hc, "k", lease) // a holder that crashed: it never releases
	taken := time.Now()
	done := acquireAsync(t.Context(), wc, "k", 20*lease)
	select {
	case r := <-done:
		require.NoError(t, r.err)
		assert.False(t, r.owned)
		waited := time.Since(taken)
		t.Logf("went on %v after the holder took a lock of %v", waited, lease)
		// The holder's entry expires at its lease (memcached: within its
		// tick and the store's second of safety after it). A waiter that
		// did not know the holder's expiry would wait its own lease, 20
		// times the holder's: 2s of slack tell the two apart on a loaded
		// machine.
		assert.GreaterOrEqual(t, waited, lease*9/10, "the waiter went on before the holder's entry expired")
		assert.Less(t, waited, lease+2*h.TTLResolution+2*time.Second, "the waiter waited beyond the holder's expiry")
	case <-time.After(30 * lease):
		t.Fatal("the waiter waited its own lease, not the holder's")
	}
}

func redExtend(t *testing.T, h cachetest.Harness) {
	ss := stores(t, h, 2)
	hc := cachetest.NewCache[string, string](t, ss[0], cache.Options[string, string]{Namespace: "ex"})
	wc := cachetest.NewCache[string, string](t, ss[1], cache.Options[string, string]{Namespace: "ex"})
	// A lease of a second, extended every fifth of one: an extension is
	// missed only if the holder stalls for most of a second.
	lease := max(time.Second, h.TTLResolution)
	holder := acquired(t, hc, "k", lease)
	done := acquireAsync(t.Context(), wc, "k", 10*lease)
	// Three leases long.
	for end := time.Now().Add(3 * lease); time.Now().Before(end); {
		time.Sleep(lease / 5)
		held, err := holder.Extend(t.Context())
		require.NoError(t, err)
		require.True(t, held, "Extend of a held lock")
		select {
		case r := <-done:
			t.Fatalf("the waiter went on while the holder kept extending its lease: %+v", r)
		default:
		}
	}
	held, err := wc.Exists(t.Context(), "k-lock")
	require.NoError(t, err)
	assert.True(t, held, "the entry lives on across three leases")
	released := time.Now()
	require.NoError(t, holder.Release(t.Context()))
	r := <-done
	require.NoError(t, r.err)
	assert.Less(t, time.Since(released), h.WakeWithinOrDefault()+lease, "the waiter went on after the release")
}

func redExtendNotHeld(t *testing.T, h cachetest.Harness) {
	s := store(t, h)
	c := cachetest.NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "xn"})
	never := lock.NewRed(c, "k", longLease)
	held, err := never.Extend(t.Context())
	require.NoError(t, err)
	assert.False(t, held, "Extend of a lock never acquired")

	first := acquired(t, c, "k", longLease)
	require.NoError(t, first.Release(t.Context()))
	second := acquired(t, c, "k", longLease)
	held, err = first.Extend(t.Context())
	require.NoError(t, err)
	assert.False(t, held, "Extend after Release")
	// A holder whose entry was taken over cannot extend the new holder's.
	deleteRaw(t, h, s, c.KeyWithSuffix("k", "-lock"))
	third := acquired(t, c, "k", longLease)
	held, err = second.Extend(t.Context())
	require.NoError(t, err)
	assert.False(t, held, "Extend of a lock taken over")
	require.NoError(t, third.Release(t.Context()))
	assertUnlocked(t, h, c, "k")
}

func redCloseWhileWaiting(t *testing.T, h cachetest.Harness) {
	holderStore := store(t, h)
	waiterStore := holderStore
	if h.Shared {
		waiterStore = count(h.New(t), &watches{n: map[string]int{}})
	}
	hc := cachetest.NewCache[string, string](t, holderStore, cache.Options[string, string]{Namespace: "cw"})
	wc := cachetest.NewCache[string, string](t, waiterStore, cache.Options[string, string]{Namespace: "cw"})
	holder := acquired(t, hc, "k", longLease)
	defer holder.Release(context.WithoutCancel(t.Context()))
	done := acquireAsync(t.Context(), wc, "k", longLease)
	require.True(t, awaitWaiters([]instance{waiterStore}, wc.KeyWithSuffix("k", "-lock"), 1, 10*time.Second), "the waiter is waiting")
	closed := time.Now()
	require.NoError(t, waiterStore.Close())
	select {
	case r := <-done:
		assert.ErrorIs(t, r.err, cache.ErrClosed, "a waiter whose store closed")
		assert.False(t, r.owned)
		assert.Less(t, time.Since(closed), 5*time.Second, "the waiter returned promptly")
	case <-time.After(10 * time.Second):
		t.Fatal("a waiter whose store closed went on waiting")
	}
}

func redWaitHooks(t *testing.T, h cachetest.Harness) {
	ss := stores(t, h, 2)
	var mu sync.Mutex
	var events []cache.Event
	record := cache.HookFunc(func(_ context.Context, e cache.Event) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	})
	hc := cachetest.NewCache[string, string](t, ss[0], cache.Options[string, string]{Namespace: "hk"})
	wc := cachetest.NewCache[string, string](t, ss[1], cache.Options[string, string]{Namespace: "hk", Hooks: []cache.Hook{record}})
	holder := acquired(t, hc, "k", longLease)
	done := acquireAsync(t.Context(), wc, "k", longLease)
	require.True(t, awaitWaiters(ss[1:], wc.KeyWithSuffix("k", "-lock"), 1, 10*time.Second))
	time.Sleep(50 * time.Millisecond) // a wait long enough to measure
	require.NoError(t, holder.Release(t.Context()))
	require.NoError(t, (<-done).err)
	mu.Lock()
	defer mu.Unlock()
	var ops []cache.Op
	for _, e := range events {
		ops = append(ops, e.Op)
	}
	require.Equal(t, []cache.Op{cache.OpLockAcquire, cache.OpLockWait}, ops, "the waiter's lock operations reach its cache's hooks")
	assert.False(t, events[0].Ok, "the acquire was refused")
	assert.True(t, events[1].Ok, "the holder let go")
	assert.GreaterOrEqual(t, events[1].Duration, 50*time.Millisecond, "the wait's event says how long it waited")
	assert.Equal(t, "hk:k-lock", events[1].Key)
}
