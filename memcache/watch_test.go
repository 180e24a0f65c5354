package memcache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cachekit/cachekit/cache"
)

// closedWithin reports whether ch is closed within d.
func closedWithin(ch <-chan struct{}, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ch:
		return true
	case <-timer.C:
		return false
	}
}

// isClosed reports whether ch is closed now.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestWatchWokenByReleaseOnAnotherStore(t *testing.T) {
	holder, waiter := newStore(t, Options{}), newStore(t, Options{})
	for _, key := range bothKinds(t) {
		added, err := holder.Add(t.Context(), key, []byte("token"), time.Minute)
		require.NoError(t, err)
		require.True(t, added)
		released, stop, err := waiter.Watch(t.Context(), key)
		require.NoError(t, err)
		assert.False(t, closedWithin(released, 50*time.Millisecond), "woken while %q is held", key)
		deleted, err := holder.CompareAndDelete(t.Context(), key, []byte("token"))
		require.NoError(t, err)
		require.True(t, deleted)
		start := time.Now()
		// A poll (10ms) wakes it; without, it waits out the minute's lease.
		// 5s tell the two apart on a loaded machine.
		assert.True(t, closedWithin(released, 5*time.Second), "not woken within 5s of the release of %q", key)
		t.Logf("%q: woken %v after the release", key, time.Since(start))
		stop()
		stop() // a second stop does nothing
	}
}

func TestWatchOfAbsentKeyClosesAtOnce(t *testing.T) {
	s := newStore(t, Options{PollInterval: time.Hour}) // only the first poll counts
	released, stop, err := s.Watch(t.Context(), uniq(t, "k"))
	require.NoError(t, err)
	defer stop()
	assert.True(t, closedWithin(released, 5*time.Second), "the first poll finds it absent; the next is an hour away")
}

func TestWatchesOfOneKeyShareAPoller(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte("token"), time.Minute))
	first, stopFirst, err := s.Watch(t.Context(), key)
	require.NoError(t, err)
	second, stopSecond, err := s.Watch(t.Context(), key)
	require.NoError(t, err)
	defer stopSecond()
	s.watches.mu.Lock()
	pollers := len(s.watches.pollers)
	s.watches.mu.Unlock()
	assert.Equal(t, 1, pollers)

	stopFirst()
	assert.False(t, isClosed(first), "stop closed the channel")
	_, err = s.Delete(t.Context(), key)
	require.NoError(t, err)
	assert.True(t, closedWithin(second, 5*time.Second), "stopping one watch stopped the other")
}

func TestStoppedWatchLeavesNoGoroutine(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte("token"), time.Minute))
	opts := goleak.IgnoreCurrent()
	_, stop, err := s.Watch(t.Context(), key)
	require.NoError(t, err)
	assert.Error(t, goleak.Find(opts), "the watch runs no goroutine")
	stop()
	assert.NoError(t, goleak.Find(opts))
	s.watches.mu.Lock()
	assert.Empty(t, s.watches.pollers)
	s.watches.mu.Unlock()
}

func TestFinishedWatchLeavesNoGoroutine(t *testing.T) {
	s := newStore(t, Options{})
	opts := goleak.IgnoreCurrent()
	released, stop, err := s.Watch(t.Context(), uniq(t, "absent"))
	require.NoError(t, err)
	require.True(t, closedWithin(released, 5*time.Second))
	stop()
	assert.NoError(t, goleak.Find(opts))
}

func TestCloseStopsWatches(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte("token"), time.Minute))
	opts := goleak.IgnoreCurrent()
	released, stop, err := s.Watch(t.Context(), key)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.NoError(t, goleak.Find(opts), "Close left a poller running")
	assert.True(t, isClosed(released), "Close left a watch asleep: it would wait for a store that is gone")
	stop() // still safe after Close
	_, _, err = s.Watch(t.Context(), key)
	assert.ErrorIs(t, err, cache.ErrClosed)
}
