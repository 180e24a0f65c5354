package lock_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
)

// TestWakeLatencyOnServers measures, on Redis and memcached, the time from
// a Release returning to a waiting Acquire returning, for a waiter on the
// holder's store instance (woken in-process) and on another instance
// (woken by the store's watch), and logs the percentiles. The median must
// be well inside the promise of each path.
func TestWakeLatencyOnServers(t *testing.T) {
	if testing.Short() {
		t.Skip("measures many rounds against servers")
	}
	const rounds = 100
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			addr := b.addr(t)
			ns := uniqueNamespace()
			holder := cache.Must(cache.New(b.open(t, addr), cache.Options[string, string]{Namespace: ns}))
			other := cache.Must(cache.New(b.open(t, addr), cache.Options[string, string]{Namespace: ns}))
			for _, tc := range []struct {
				name   string
				waiter *cache.Cache[string, string]
				median time.Duration
			}{
				{"same-instance", holder, 50 * time.Millisecond},
				{"other-instance", other, b.wakeWithin},
			} {
				t.Run(tc.name, func(t *testing.T) {
					lat := make([]time.Duration, 0, rounds)
					for range rounds {
						lat = append(lat, wakeOnce(t, holder, tc.waiter))
					}
					slices.Sort(lat)
					p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
					t.Logf("%s %s wake-up over %d rounds: p50 %v, p90 %v, p99 %v, max %v",
						b.name, tc.name, rounds, p(0.5), p(0.9), p(0.99), lat[len(lat)-1])
					assert.Less(t, p(0.5), tc.median, "median wake-up latency")
				})
			}
		})
	}
}

// wakeOnce holds the lock on "k" through holder, lets an Acquire through
// waiter wait for it, releases, and returns the time from the release
// returning to the Acquire returning.
func wakeOnce(t *testing.T, holder, waiter *cache.Cache[string, string]) time.Duration {
	t.Helper()
	l := lock.NewRed(holder, "k", time.Minute)
	owned, err := l.Acquire(t.Context())
	require.NoError(t, err)
	require.True(t, owned)
	res := acquireAsync(t.Context(), lock.NewRed(waiter, "k", time.Minute))
	waitForWaiters(t, waiter.Store(), waiter.KeyWithSuffix("k", "-lock"), 1)
	// Let the waiter finish setting up its watch, so that this measures
	// the steady state of a waiter rather than a release racing its start.
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, l.Release(t.Context()))
	released := time.Now()
	r := receive(t, res, 30*time.Second)
	require.NoError(t, r.err)
	require.False(t, r.owned)
	return r.at.Sub(released)
}
