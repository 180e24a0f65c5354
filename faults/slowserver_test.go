package faults

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/memory"
)

const (
	// slowReply is how long the proxy of a slow server holds each chunk
	// of the server's replies.
	slowReply = time.Second
	// slowCallers call the slow server at once, each slowCalls times.
	slowCallers = 32
	slowCalls   = 16
	// slowDeadline is the deadline of each call: far shorter than
	// slowReply, so that no call to a slow server can succeed.
	slowDeadline = 5 * time.Millisecond
	// slowLatenessBound bounds the 99th percentile of how long after its
	// deadline a call returns. A store that returns at its deadline is a
	// scheduling delay late: a few ms (logged), up to 120 ms seen when
	// the two cores ran a load average of 17, when a stall of the whole
	// process delays a burst of calls at once. One that waits for the
	// reply is at least slowReply late, twice the bound.
	slowLatenessBound = 500 * time.Millisecond
)

// TestSlowServerCallsReturnAtTheirDeadline has 32 goroutines call Get and
// Set, each call with a 5 ms deadline, on a server whose replies a proxy
// holds for a second: every call returns by its deadline (the 99th
// percentile of lateness under slowLatenessBound) with an error matching
// context.DeadlineExceeded, on every remote store; memory, with no proxy,
// is the reference of what returning at once looks like.
func TestSlowServerCallsReturnAtTheirDeadline(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		s := memory.New(memory.Options{})
		t.Cleanup(func() { _ = s.Close() })
		runSlowCalls(t, "memory", s, false)
	})
	for _, r := range remotes {
		t.Run(r.name, func(t *testing.T) {
			addrs := r.shared(t)
			via := proxies(t, addrs, testserver.ProxyOptions{Delay: slowReply})
			s, closeStore := r.open(t, addrs, via)
			t.Cleanup(closeStore)
			runSlowCalls(t, r.name, s, true)
		})
	}
}

// runSlowCalls is the work of one store: slowCallers goroutines, slowCalls
// calls each, Get and Set in turn. slow says that no call can succeed.
func runSlowCalls(t *testing.T, name string, s cache.Store, slow bool) {
	c, err := cache.New(s, cache.Options[string, []byte]{Namespace: "slow"})
	require.NoError(t, err)
	var (
		mu        sync.Mutex
		lateness  []time.Duration
		wrong     []error // neither nil nor the deadline's
		succeeded int
	)
	var wg sync.WaitGroup
	for g := range slowCallers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("k%d", g)
			for i := range slowCalls {
				ctx, cancel := context.WithTimeout(t.Context(), slowDeadline)
				deadline, _ := ctx.Deadline()
				var err error
				if i%2 == 0 {
					_, _, err = c.Get(ctx, key)
				} else {
					err = c.Set(ctx, key, []byte("v"))
				}
				late := max(0, time.Since(deadline))
				cancel()
				mu.Lock()
				lateness = append(lateness, late)
				switch {
				case err == nil:
					succeeded++
				case !errors.Is(err, context.DeadlineExceeded):
					wrong = append(wrong, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(lateness)
	p50, p99 := percentile(lateness, 50), percentile(lateness, 99)
	t.Logf("%s: %d calls with a %v deadline, %d succeeded; lateness past the deadline p50 %v, p99 %v, max %v",
		name, len(lateness), slowDeadline, succeeded, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond),
		lateness[len(lateness)-1].Round(10*time.Microsecond))
	assert.Empty(t, wrong, "errors that do not match context.DeadlineExceeded")
	if slow {
		assert.Zero(t, succeeded, "calls that succeeded before a reply held for %v: the proxy did not delay", slowReply)
	}
	assert.Less(t, p99, slowLatenessBound, "99th percentile of lateness past the deadline, with replies held for %v", slowReply)
}

// percentile returns the p-th percentile of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}
