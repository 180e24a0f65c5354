package cachetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// stormGoroutines is how many goroutines the cancellation storm runs at
// once; each makes one call of every operation in turn.
const stormGoroutines = 2000

// stormDeadline is the deadline of each call of the storm.
const stormDeadline = time.Millisecond

// stormSlack bounds the median of how long after its deadline a call of
// the storm returns, beyond what a call that does nothing but wait for its
// ctx takes in the same storm (the reference, measured first). The storm
// shares two cores with 2000 goroutines, the store's client and, under
// go test ./..., the tests of other packages: its p50 moved from 10ms to
// 260ms between runs of an unchanged store under -race, so the storm
// cannot tell a store that is a little late from one that is on time, and
// does not try. It checks the errors of every call, and that no call
// hangs; the test of a slow server (Harness.Slow), whose answers come
// long after the deadline, is the one that tells a store that honours
// ctx from one that waits for its backend.
const stormSlack = 5 * time.Second

// stormCall is the outcome of one call of the storm.
type stormCall struct {
	op   string
	err  error
	late time.Duration // how long after its deadline it returned
}

// StormOp is one operation of a storm, by name.
type StormOp struct {
	Name string
	Call func(ctx context.Context) error
}

// storm runs stormGoroutines goroutines at once, each calling every op in
// turn with a deadline of stormDeadline, and returns the outcome of every
// call.
func storm(t *testing.T, ops []StormOp) []stormCall {
	var (
		mu    sync.Mutex
		calls []stormCall
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for range stormGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, op := range ops {
				deadline := time.Now().Add(stormDeadline)
				ctx, cancel := context.WithDeadline(t.Context(), deadline)
				err := op.Call(ctx)
				late := time.Since(deadline)
				cancel()
				mu.Lock()
				calls = append(calls, stormCall{op: op.Name, err: err, late: late})
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return calls
}

// lateness returns the p50 and p99 of how late the failed calls returned,
// and how many failed.
func lateness(calls []stormCall) (p50, p99 time.Duration, failed int) {
	var lates []time.Duration
	for _, c := range calls {
		if c.err != nil {
			lates = append(lates, c.late)
		}
	}
	if len(lates) == 0 {
		return 0, 0, 0
	}
	slices.Sort(lates)
	p := func(q float64) time.Duration { return lates[int(q*float64(len(lates)-1))] }
	return p(0.5), p(0.99), len(lates)
}

// RunStorm runs the storm on ops and checks that each call returned either
// success or an error that matches context.DeadlineExceeded (never another
// error for a call whose deadline passed, such as a dial timeout that
// another call's deadline caused), and promptly after its deadline,
// compared with a storm of calls that only wait for their ctx.
func RunStorm(t *testing.T, ops []StormOp) {
	ref := storm(t, []StormOp{{"wait", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }}})
	refP50, refP99, _ := lateness(ref)
	calls := storm(t, ops)
	wrong := map[string]int{}
	var example error
	for _, c := range calls {
		if c.err != nil && !errors.Is(c.err, context.DeadlineExceeded) {
			wrong[c.op]++
			example = c.err
		}
	}
	assert.Empty(t, wrong, "calls whose error does not match context.DeadlineExceeded, per operation; e.g. %v", example)
	p50, p99, failed := lateness(calls)
	t.Logf("storm of %d calls on %d goroutines, %d failed: returned after their deadline by p50 %v, p99 %v (calls that only wait for ctx: p50 %v, p99 %v)",
		len(calls), stormGoroutines, failed, p50, p99, refP50, refP99)
	if failed > 0 {
		assert.Less(t, p50, refP50+stormSlack, "p50 of how late a call returned after its deadline")
	}
}

// runCancellationStorm runs the storm on cache operations: Get, Set and
// Increment on keys of their own.
func runCancellationStorm(t *testing.T, h Harness) {
	s := h.store(t)
	c := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "storm"})
	require.NoError(t, c.Set(t.Context(), "k", 1))
	ops := []StormOp{
		{"Get", func(ctx context.Context) error { _, _, err := c.Get(ctx, "k"); return err }},
		{"Set", func(ctx context.Context) error { return c.Set(ctx, "set", 2) }},
	}
	if incrementer(s) {
		ops = append(ops, StormOp{"Increment", func(ctx context.Context) error { _, err := c.Increment(ctx, "n", 1); return err }})
	}
	RunStorm(t, ops)
}
