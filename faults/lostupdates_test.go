package faults

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/lock"
)

const (
	updateProcesses  = 3
	updateGoroutines = 8  // per process
	updatesEach      = 12 // per goroutine
	// updateAttempts bounds lock.Update's retries on a conflict: 24
	// writers of one key conflict a lot, and an update that gives up is a
	// failure that wrote nothing.
	updateAttempts = 1000
	// updateDeadline is the deadline of each lock.Update.
	updateDeadline = 5 * time.Second
	// resetRate is the share of forwarded chunks at which the flaky proxy
	// resets both connections.
	resetRate = 0.01
)

// TestLockUpdateLosesNoAcknowledgedUpdate is a Jepsen-style check of
// lock.Update: 3 processes of 8 goroutines each increment one counter with
// it, on each remote store, first directly, then through proxies that
// reset 1% of what they forward (requests lost before the server, replies
// lost after it). Each child counts the updates acknowledged (nil error)
// and failed (an error: the write may or may not have happened). Then
//
//	acknowledged <= final value <= acknowledged + failed
//
// (no acknowledged update lost, no update applied twice), and with no
// faults the final value is exactly the acknowledged count.
func TestLockUpdateLosesNoAcknowledgedUpdate(t *testing.T) {
	if os.Getenv(childEnv) == "update" {
		runUpdateChild(t)
		return
	}
	for _, r := range remotes {
		for _, flaky := range []bool{false, true} {
			name := r.name + "/direct"
			if flaky {
				name = r.name + "/resets"
			}
			t.Run(name, func(t *testing.T) { runLostUpdates(t, r, flaky) })
		}
	}
}

func runLostUpdates(t *testing.T, r remote, flaky bool) {
	addrs := r.shared(t)
	var resets atomic.Int64
	var via map[string]string
	if flaky {
		via = proxies(t, addrs, testserver.ProxyOptions{ResetRate: resetRate, OnReset: func() { resets.Add(1) }})
	}
	ns := "u" + rand.Text()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	children := make([]*child, updateProcesses)
	for i := range children {
		children[i] = startChild(t, ctx, "TestLockUpdateLosesNoAcknowledgedUpdate",
			childSpec{role: "update", remote: r.name, ns: ns, addrs: addrs, via: via})
	}
	acked, failed := 0, 0
	for _, ch := range children {
		var a, f int
		ch.report(t, "child", "child acked=%d failed=%d", &a, &f)
		acked += a
		failed += f
	}
	elapsed := time.Since(start)

	store, closeStore := r.open(t, addrs, nil)
	defer closeStore()
	c, err := cache.New(store, cache.Options[string, int64]{Namespace: ns})
	require.NoError(t, err)
	final, _, err := c.Get(ctx, "counter")
	require.NoError(t, err)
	t.Logf("%s: %d updates acknowledged, %d failed, final value %d (lost %d, beyond the acknowledged %d); %d connection resets; %v",
		r.name, acked, failed, final, max(0, int64(acked)-final), max(0, final-int64(acked)), resets.Load(), elapsed.Round(time.Millisecond))
	assert.Equal(t, updateProcesses*updateGoroutines*updatesEach, acked+failed, "every update reported")
	assert.GreaterOrEqual(t, final, int64(acked), "acknowledged updates lost")
	assert.LessOrEqual(t, final, int64(acked+failed), "updates applied that were neither acknowledged nor failed")
	if !flaky {
		assert.Equal(t, int64(acked), final, "with no faults, the final value is the acknowledged count")
	} else {
		assert.Positive(t, resets.Load(), "the proxy reset no connection: the faults were not injected")
	}
}

// runUpdateChild is the work of one child process: updateGoroutines
// goroutines of updatesEach lock.Updates each, counted.
func runUpdateChild(t *testing.T) {
	spec, r := childSpecFromEnv(t)
	store, closeStore := r.open(t, spec.addrs, spec.via)
	defer closeStore()
	c, err := cache.New(store, cache.Options[string, int64]{Namespace: spec.ns})
	require.NoError(t, err)
	var acked, failed atomic.Int64
	var example atomic.Value
	var wg sync.WaitGroup
	for range updateGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range updatesEach {
				ctx, cancel := context.WithTimeout(t.Context(), updateDeadline)
				_, err := lock.Update(ctx, c, "counter", updateAttempts, func(old int64, _ bool) (int64, error) { return old + 1, nil })
				cancel()
				if err != nil {
					failed.Add(1)
					example.Store(err.Error())
					continue
				}
				acked.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("child acked=%d failed=%d\n", acked.Load(), failed.Load())
	if e, ok := example.Load().(string); ok {
		fmt.Println("example error: " + strconv.Quote(e))
	}
}
