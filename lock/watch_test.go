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
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/memory"
)

// hub plays the part of a server that tells every client of releases, as
// Redis does with a published message: watchingStores on one hub share one
// memory store but are distinct instances, so only the watch can wake a
// waiter on another instance.
type hub struct {
	mu      sync.Mutex
	subs    map[string]map[chan struct{}]bool
	watches atomic.Int64 // WatchRelease calls that succeeded
	stops   atomic.Int64 // distinct watches stopped
	gets    atomic.Int64 // Get calls of the stores
	fail    error        // returned by WatchRelease when set
}

type watchingStore struct {
	cache.Store // only the byte methods: caches on it use JSON
	hub         *hub
}

func newWatchingStores(t *testing.T, n int) (*hub, []*watchingStore) {
	return newWatchingStoresOn(newMemory(t, memory.Options{}), n)
}

// newWatchingStoresOn returns n watching stores over s, sharing one hub.
func newWatchingStoresOn(s cache.Store, n int) (*hub, []*watchingStore) {
	h := &hub{subs: map[string]map[chan struct{}]bool{}}
	var out []*watchingStore
	for range n {
		out = append(out, &watchingStore{Store: s, hub: h})
	}
	return h, out
}

func (w *watchingStore) CompareAndDelete(ctx context.Context, key string, token []byte) (bool, error) {
	deleted, err := w.Store.CompareAndDelete(ctx, key, token)
	if deleted {
		w.hub.publish(key)
	}
	return deleted, err
}

func (w *watchingStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	defer w.hub.gets.Add(1)
	return w.Store.Get(ctx, key)
}

// publish tells every watcher of key that it was released, as a release
// message does (also one that arrives late).
func (h *hub) publish(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[key] {
		close(ch)
	}
	delete(h.subs, key)
}

// await blocks until counter reaches n, or fails t.
func await(t *testing.T, counter *atomic.Int64, n int64, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for counter.Load() < n {
		require.False(t, time.Now().After(deadline), "%d %s, want %d", counter.Load(), what, n)
		time.Sleep(time.Millisecond)
	}
}

func (w *watchingStore) WatchRelease(ctx context.Context, key string) (<-chan struct{}, func(), error) {
	if w.hub.fail != nil {
		return nil, nil, w.hub.fail
	}
	ch := make(chan struct{})
	w.hub.mu.Lock()
	if w.hub.subs[key] == nil {
		w.hub.subs[key] = map[chan struct{}]bool{}
	}
	w.hub.subs[key][ch] = true
	w.hub.mu.Unlock()
	w.hub.watches.Add(1)
	return ch, sync.OnceFunc(func() {
		w.hub.mu.Lock()
		delete(w.hub.subs[key], ch)
		if len(w.hub.subs[key]) == 0 {
			delete(w.hub.subs, key)
		}
		w.hub.mu.Unlock()
		w.hub.stops.Add(1)
	}), nil
}

func (h *hub) assertAllStopped(t *testing.T) {
	t.Helper()
	assert.Equal(t, h.watches.Load(), h.stops.Load(), "every watch is stopped")
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Empty(t, h.subs)
}

func TestWaiterOnAnotherInstanceWakesThroughTheWatch(t *testing.T) {
	ctx := t.Context()
	h, stores := newWatchingStores(t, 2)
	a := cache.Must(cache.New(stores[0], cache.Options[string, string]{}))
	b := cache.Must(cache.New(stores[1], cache.Options[string, string]{}))
	holder := lock.NewRed(a, "k", time.Minute)
	owned, err := holder.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)

	res := acquireAsync(ctx, lock.NewRed(b, "k", time.Minute))
	waitForWaiters(t, stores[1], "k-lock", 1)
	require.NoError(t, holder.Release(ctx))
	released := time.Now()
	r := receive(t, res, 10*time.Second)
	require.NoError(t, r.err)
	assert.False(t, r.owned)
	assert.Less(t, r.at.Sub(released), 50*time.Millisecond, "woken by the watch, not the lease")
	h.assertAllStopped(t)
}

func TestWatchIsStoppedOnEveryWayOut(t *testing.T) {
	h, stores := newWatchingStores(t, 2)
	a := cache.Must(cache.New(stores[0], cache.Options[string, string]{}))
	b := cache.Must(cache.New(stores[1], cache.Options[string, string]{}))
	_, err := lock.NewRed(a, "k", time.Minute).Acquire(t.Context())
	require.NoError(t, err)

	// The lease passes.
	owned, err := lock.NewRed(b, "k", 50*time.Millisecond).Acquire(t.Context())
	require.NoError(t, err)
	assert.False(t, owned)
	// The context ends.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = lock.NewRed(b, "k", time.Minute).Acquire(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	assert.Equal(t, int64(2), h.watches.Load(), "both waiters watched")
	h.assertAllStopped(t)
}

func TestWatchErrorFailsAcquire(t *testing.T) {
	h, stores := newWatchingStores(t, 1)
	h.fail = errors.New("watch failed")
	c := cache.Must(cache.New(stores[0], cache.Options[string, string]{}))
	_, err := lock.NewRed(c, "k", time.Minute).Acquire(t.Context())
	require.NoError(t, err)
	_, err = lock.NewRed(c, "k", time.Minute).Acquire(t.Context())
	assert.ErrorIs(t, err, h.fail)
}

func TestStaleReleaseMessageDoesNotEndTheWait(t *testing.T) {
	ctx := t.Context()
	h, stores := newWatchingStores(t, 2)
	a := cache.Must(cache.New(stores[0], cache.Options[string, string]{}))
	b := cache.Must(cache.New(stores[1], cache.Options[string, string]{}))
	holder := lock.NewRed(a, "k", time.Minute)
	_, err := holder.Acquire(ctx)
	require.NoError(t, err)

	res := acquireAsync(ctx, lock.NewRed(b, "k", time.Minute))
	await(t, &h.gets, 1, "reads of the holder") // the waiter knows whom it waits for
	h.publish("k-lock")                         // a message of an earlier release, arriving late
	await(t, &h.watches, 2, "watches")          // the waiter saw the holder still there and watches again
	waitForWaiters(t, stores[1], "k-lock", 1)
	select {
	case r := <-res:
		t.Fatalf("a stale release message ended the wait: %+v", r)
	default:
	}
	require.NoError(t, holder.Release(ctx))
	r := receive(t, res, 10*time.Second)
	require.NoError(t, r.err)
	assert.False(t, r.owned)
	h.assertAllStopped(t)
}

func TestWaitEndsWhenTheHolderWasReplaced(t *testing.T) {
	ctx := t.Context()
	clock := newFakeClock()
	h, stores := newWatchingStoresOn(newMemory(t, memory.Options{Clock: clock.Now}), 2)
	a := cache.Must(cache.New(stores[0], cache.Options[string, string]{}))
	b := cache.Must(cache.New(stores[1], cache.Options[string, string]{}))
	_, err := lock.NewRed(a, "k", time.Minute).Acquire(ctx)
	require.NoError(t, err)

	res := acquireAsync(ctx, lock.NewRed(b, "k", time.Minute))
	await(t, &h.gets, 1, "reads of the holder")
	clock.Advance(2 * time.Minute) // the first holder's entry expires...
	next := lock.NewRed(a, "k", time.Minute)
	owned, err := next.Acquire(ctx) // ...and another takes the lock
	require.NoError(t, err)
	require.True(t, owned)
	h.publish("k-lock")
	r := receive(t, res, 10*time.Second)
	require.NoError(t, r.err)
	assert.False(t, r.owned, "the waiter goes on once the holder it waited for is gone")
	require.NoError(t, next.Release(ctx))
	h.assertAllStopped(t)
}
