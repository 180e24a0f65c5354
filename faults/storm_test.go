package faults

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/memory"
)

const (
	// stormRounds is how many storms run after the one that warms up.
	stormRounds = 3
	// heapSlack is how much the live heap may grow over stormRounds
	// storms of 8000 calls each: a call that left behind as little as 48
	// bytes (a timer, a waiter, a map entry) would exceed it.
	heapSlack = 1 << 20
)

// TestCancellationStormLeavesNothingBehind runs storms of 2000 goroutines,
// each calling Get, Set, Increment and a Red Acquire of a held lock on
// the memory store with a 1 ms deadline (cachetest.RunStorm checks that
// each returns promptly with the deadline's error). After a storm that
// warms up the pools and tables, the live heap stays where it was over
// more storms; after Close the goroutines are back to where they were.
func TestCancellationStormLeavesNothingBehind(t *testing.T) {
	baseline := runtime.NumGoroutine()
	s := memory.New(memory.Options{})
	c := cache.Must(cache.New(s, cache.Options[string, int]{Namespace: "storm"}))
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", 1))
	holder := lock.NewRed(c, "held", time.Minute)
	owned, err := holder.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)

	ops := []cachetest.StormOp{
		{Name: "Get", Call: func(ctx context.Context) error { _, _, err := c.Get(ctx, "k"); return err }},
		{Name: "Set", Call: func(ctx context.Context) error { return c.Set(ctx, "set", 2) }},
		{Name: "Increment", Call: func(ctx context.Context) error { _, err := c.Increment(ctx, "n", 1); return err }},
		{Name: "Acquire", Call: func(ctx context.Context) error {
			owned, err := lock.NewRed(c, "held", time.Minute).Acquire(ctx)
			if owned {
				t.Error("a storm call took a held lock")
			}
			return err
		}},
	}
	// An Acquire whose add failed cleans up its token in the background
	// for up to cleanupTimeout (5 s); the heap is measured once those
	// goroutines have ended, so that it counts what the calls left behind
	// for good, not the clean-ups still running.
	quiet := runtime.NumGoroutine()
	settled := func() uint64 {
		if n := settleGoroutines(quiet, time.Minute); n > quiet {
			t.Fatalf("%d goroutines a minute after a storm, %d before it:\n%s", n, quiet, goroutineDump())
		}
		return liveHeap()
	}
	cachetest.RunStorm(t, ops)
	before := settled()
	for range stormRounds {
		cachetest.RunStorm(t, ops)
	}
	after := settled()
	t.Logf("live heap after the warm-up storm %d KiB, after %d more %d KiB (%+d bytes)", before>>10, stormRounds, after>>10, int64(after)-int64(before))
	assert.Less(t, int64(after)-int64(before), int64(heapSlack), "growth of the live heap over %d storms", stormRounds)

	require.NoError(t, holder.Release(ctx))
	require.NoError(t, s.Close())
	if n := settleGoroutines(baseline, 10*time.Second); n > baseline {
		t.Errorf("%d goroutines after Close, %d before the store was made:\n%s", n, baseline, goroutineDump())
	}
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC() // the first one may leave finalized objects to the second
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
