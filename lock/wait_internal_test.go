package lock

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
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/memory"
)

// hintStore is a store whose Watcher the test drives: hint wakes every
// watch of a key, as a change notice does (also one that arrives late,
// for a change the waiter has already seen).
type hintStore struct {
	cache.Store // the required methods only
	mu          sync.Mutex
	subs        map[string]map[chan struct{}]bool
	watches     atomic.Int64 // watches made
	stops       atomic.Int64 // watches stopped
	fail        error        // returned by Watch when set
}

func newHintStore(t *testing.T) *hintStore {
	s := memory.New(memory.Options{})
	t.Cleanup(func() { _ = s.Close() })
	return &hintStore{Store: cachetest.RequiredOnly(s), subs: map[string]map[chan struct{}]bool{}}
}

func (h *hintStore) Watch(_ context.Context, key string) (<-chan struct{}, func(), error) {
	if h.fail != nil {
		return nil, nil, h.fail
	}
	ch := make(chan struct{})
	h.mu.Lock()
	if h.subs[key] == nil {
		h.subs[key] = map[chan struct{}]bool{}
	}
	h.subs[key][ch] = true
	h.mu.Unlock()
	h.watches.Add(1)
	return ch, sync.OnceFunc(func() {
		h.mu.Lock()
		delete(h.subs[key], ch)
		if len(h.subs[key]) == 0 {
			delete(h.subs, key)
		}
		h.mu.Unlock()
		h.stops.Add(1)
	}), nil
}

// hint wakes every watch of key.
func (h *hintStore) hint(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[key] {
		close(ch)
	}
	delete(h.subs, key)
}

// awaitWatch blocks until n watches have been made, or fails t.
func (h *hintStore) awaitWatch(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.watches.Load() < n {
		require.False(t, time.Now().After(deadline), "%d watches, want %d", h.watches.Load(), n)
		time.Sleep(time.Millisecond)
	}
}

// assertAllStopped checks that every watch made was stopped.
func (h *hintStore) assertAllStopped(t *testing.T) {
	t.Helper()
	assert.Equal(t, h.watches.Load(), h.stops.Load(), "every watch is stopped")
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Empty(t, h.subs)
}

// leaseOf returns the lease of "k" on a cache over s, held by token.
func leaseOf(t *testing.T, s cache.Store, token string) cache.Entry {
	c := cache.Must(cache.New(s, cache.Options[string, string]{}))
	l := c.Entry("k", "-lock")
	if token != "" {
		added, err := l.Add(t.Context(), []byte(token), time.Minute)
		require.NoError(t, err)
		require.True(t, added)
	}
	return l
}

type waitResult struct {
	gone bool
	err  error
}

func waitAsync(ctx context.Context, l cache.Entry, until time.Time) <-chan waitResult {
	ch := make(chan waitResult, 1)
	go func() {
		gone, err := waitHolder(ctx, l, until)
		ch <- waitResult{gone, err}
	}()
	return ch
}

func TestWaitWaitEndsWhenTheHolderReleases(t *testing.T) {
	s := newHintStore(t)
	l := leaseOf(t, s, "holder")
	done := waitAsync(t.Context(), l, time.Now().Add(time.Minute))
	s.awaitWatch(t, 1)
	released, err := l.CompareAndDelete(t.Context(), []byte("holder"))
	require.NoError(t, err)
	require.True(t, released)
	s.hint(l.Key())
	r := <-done
	assert.NoError(t, r.err)
	assert.True(t, r.gone)
	s.assertAllStopped(t)
}

func TestWaitStaleHintDoesNotEndTheWait(t *testing.T) {
	s := newHintStore(t)
	l := leaseOf(t, s, "holder")
	done := waitAsync(t.Context(), l, time.Now().Add(time.Minute))
	s.awaitWatch(t, 1)
	s.hint(l.Key()) // a late notice of an earlier release: the holder is still there
	s.awaitWatch(t, 2)
	select {
	case r := <-done:
		t.Fatalf("a stale hint ended the wait: %+v", r)
	default:
	}
	_, err := l.CompareAndDelete(t.Context(), []byte("holder"))
	require.NoError(t, err)
	s.hint(l.Key())
	assert.True(t, (<-done).gone)
	s.assertAllStopped(t)
}

func TestWaitWaitEndsWhenTheHolderWasReplaced(t *testing.T) {
	s := newHintStore(t)
	l := leaseOf(t, s, "first")
	done := waitAsync(t.Context(), l, time.Now().Add(time.Minute))
	s.awaitWatch(t, 1)
	_, err := l.CompareAndDelete(t.Context(), []byte("first"))
	require.NoError(t, err)
	added, err := l.Add(t.Context(), []byte("second"), time.Minute)
	require.NoError(t, err)
	require.True(t, added)
	s.hint(l.Key())
	r := <-done
	assert.NoError(t, r.err)
	assert.True(t, r.gone, "the holder waited for is gone, though the entry is held")
	s.assertAllStopped(t)
}

func TestWaitWaitOfAFreeEntryEndsAtOnce(t *testing.T) {
	s := newHintStore(t)
	gone, err := waitHolder(t.Context(), leaseOf(t, s, ""), time.Now().Add(time.Minute))
	assert.NoError(t, err)
	assert.False(t, gone, "nobody held it")
	s.assertAllStopped(t)
}

func TestWaitWaitEndsAtUntil(t *testing.T) {
	s := newHintStore(t)
	start := time.Now()
	gone, err := waitHolder(t.Context(), leaseOf(t, s, "holder"), start.Add(100*time.Millisecond))
	assert.NoError(t, err)
	assert.False(t, gone)
	assert.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond)
	s.assertAllStopped(t)
}

func TestWaitWaitReportsCancellationAndWatchErrors(t *testing.T) {
	s := newHintStore(t)
	l := leaseOf(t, s, "holder")
	ctx, cancel := context.WithCancel(t.Context())
	done := waitAsync(ctx, l, time.Now().Add(time.Minute))
	s.awaitWatch(t, 1)
	cancel()
	assert.ErrorIs(t, (<-done).err, context.Canceled)
	s.assertAllStopped(t)

	s.fail = errors.New("no watch today")
	_, err := waitHolder(t.Context(), l, time.Now().Add(time.Minute))
	assert.ErrorIs(t, err, s.fail)
}

// readsOf is a store that tells when a key is first read.
type readsOf struct {
	cache.Store
	key  string
	once sync.Once
	read chan struct{}
}

func (r *readsOf) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, found, err := r.Store.Get(ctx, key)
	if key == r.key {
		r.once.Do(func() { close(r.read) })
	}
	return v, found, err
}

func TestWaitWithoutAWatcherPolls(t *testing.T) {
	inner := cachetest.RequiredOnly(memory.New(memory.Options{}))
	t.Cleanup(func() { _ = inner.Close() })
	s := &readsOf{Store: inner, key: "k-lock", read: make(chan struct{})}
	l := leaseOf(t, s, "holder")
	done := waitAsync(t.Context(), l, time.Now().Add(time.Minute))
	<-s.read // the waiter has read the holder: now it polls
	_, err := l.CompareAndDelete(t.Context(), []byte("holder"))
	require.NoError(t, err)
	released := time.Now()
	select {
	case r := <-done:
		assert.True(t, r.gone)
		assert.Less(t, time.Since(released), 10*time.Second, "woken by the poll, not at the end of the minute")
	case <-time.After(30 * time.Second):
		t.Fatal("the waiter was not woken")
	}
}

func TestLockOperationsAreReportedToHooks(t *testing.T) {
	var mu sync.Mutex
	var events []cache.Event
	c := cache.Must(cache.New(cachetest.RequiredOnly(memory.New(memory.Options{})), cache.Options[string, string]{
		Namespace: "ns",
		Hooks: []cache.Hook{cache.HookFunc(func(_ context.Context, e cache.Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		})},
	}))
	t.Cleanup(func() { _ = c.Store().Close() })
	ctx := t.Context()
	holder := NewRed(c, "k", time.Minute)
	owned, err := holder.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)
	_, _ = NewRed(c, "k", 30*time.Millisecond).Acquire(ctx) // waits out its lease
	_, _ = holder.Extend(ctx)
	require.NoError(t, holder.Release(ctx))
	mu.Lock()
	defer mu.Unlock()
	want := []struct {
		op cache.Op
		ok bool
	}{{cache.OpLockAcquire, true}, {cache.OpLockAcquire, false}, {cache.OpLockWait, false}, {cache.OpLockExtend, true}, {cache.OpLockRelease, true}}
	require.Len(t, events, len(want))
	for i, w := range want {
		assert.Equal(t, w.op, events[i].Op, "event %d", i)
		assert.Equal(t, w.ok, events[i].Ok, "event %d (%v)", i, w.op)
		assert.Equal(t, "ns:k-lock", events[i].Key)
		assert.Equal(t, "ns", events[i].Namespace)
		assert.Zero(t, events[i].Hits+events[i].Misses, "lock operations are not reads")
	}
	assert.GreaterOrEqual(t, events[2].Duration, 25*time.Millisecond, "the wait's event says how long it waited")
	assert.Equal(t, "lock_wait", cache.OpLockWait.String())
}
