package faults

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

const (
	// loadGoroutines run Get, Set and Increment in turn through an outage.
	loadGoroutines = 16
	// opDeadline is the deadline of each call of the load.
	opDeadline = 300 * time.Millisecond
	// lateMargin is how long after its deadline a call may return before
	// it counts as hung: generous, for -race on two busy cores.
	lateMargin = time.Second
	// phaseTimeout bounds each phase of the test (warming up, seeing the
	// outage, recovering): a phase that does not end is a failure.
	phaseTimeout = 20 * time.Second
	// recoveryBound is how soon after the restart every goroutine must
	// have succeeded again. Recovery is a few milliseconds (logged): the
	// bound is loose so that a busy machine does not fail the test.
	recoveryBound = 5 * time.Second
	// steadyOps is how many calls each goroutine makes after everyone has
	// recovered, none of which may fail.
	steadyOps = 30
)

// call is one call of the load.
type call struct {
	op         string
	start, end time.Time
	err        error
}

// loadState is what the goroutines of the load and the test share.
type loadState struct {
	killedAt, readyAt, recoveredAt     atomic.Int64 // UnixNano; 0: not yet
	warm, sawOutage, recovered, steady chan int     // one send per goroutine and phase
	stop                               chan struct{}
	wrong                              atomic.Int64 // Gets that returned a value never written
}

func at(v *atomic.Int64) time.Time {
	if n := v.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// TestServerKilledAndRestartedUnderLoad kills each kind of server with
// SIGKILL while 16 goroutines call it, each call with a deadline, and
// restarts it on the same port. Calls fail only during the outage and
// return by their deadline; every goroutine succeeds again promptly after
// the restart; no Get returns a value that was never written; and once
// the store and its client are closed, no goroutine is left.
func TestServerKilledAndRestartedUnderLoad(t *testing.T) {
	for _, r := range remotes {
		t.Run(r.name, func(t *testing.T) { runOutage(t, r) })
	}
}

func runOutage(t *testing.T, r remote) {
	srv := r.own(t)
	baseline := runtime.NumGoroutine()
	store, closeStore := r.open(t, []string{srv.Addr()}, nil)
	c, err := cache.New(store, cache.Options[string, int64]{})
	require.NoError(t, err)

	st := &loadState{
		warm: make(chan int, loadGoroutines), sawOutage: make(chan int, loadGoroutines),
		recovered: make(chan int, loadGoroutines), steady: make(chan int, loadGoroutines),
		stop: make(chan struct{}),
	}
	calls := make([][]call, loadGoroutines)
	var wg sync.WaitGroup
	for g := range loadGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			calls[g] = load(c, g, st)
		}()
	}
	stop := sync.OnceFunc(func() { close(st.stop); wg.Wait() })
	defer stop()

	awaitAll(t, st.warm, "a success before the kill")
	st.killedAt.Store(time.Now().UnixNano())
	srv.Kill()
	awaitAll(t, st.sawOutage, "a failed call during the outage")
	srv.Restart(t)
	st.readyAt.Store(time.Now().UnixNano())
	awaitAll(t, st.recovered, "a success after the restart")
	st.recoveredAt.Store(time.Now().UnixNano())
	awaitAll(t, st.steady, fmt.Sprintf("%d calls after everyone recovered", steadyOps))
	stop()

	killedAt, readyAt, recoveredAt := at(&st.killedAt), at(&st.readyAt), at(&st.recoveredAt)
	var (
		total, failed, failedBefore, failedAfter, late int
		firstSuccess                                   time.Time
		lastFailure                                    time.Time
		example                                        error
		slowest                                        time.Duration
	)
	for _, cs := range calls {
		for _, cl := range cs {
			total++
			slowest = max(slowest, cl.end.Sub(cl.start))
			if cl.end.Sub(cl.start) > opDeadline+lateMargin {
				late++
			}
			if cl.err == nil {
				if !cl.end.Before(readyAt) && (firstSuccess.IsZero() || cl.end.Before(firstSuccess)) {
					firstSuccess = cl.end
				}
				continue
			}
			failed++
			example = cl.err
			if cl.end.After(lastFailure) {
				lastFailure = cl.end
			}
			switch {
			case cl.end.Before(killedAt):
				failedBefore++
			case cl.start.After(recoveredAt):
				failedAfter++
			}
		}
	}
	t.Logf("%s: %d calls, %d failed (e.g. %v); outage %v from kill to ready; first success %v after the restart, every goroutine %v after, last failure %v after; slowest call %v",
		r.name, total, failed, example, readyAt.Sub(killedAt).Round(time.Millisecond),
		firstSuccess.Sub(readyAt).Round(10*time.Microsecond), recoveredAt.Sub(readyAt).Round(10*time.Microsecond),
		lastFailure.Sub(readyAt).Round(10*time.Microsecond), slowest.Round(time.Millisecond))
	assert.Zero(t, failedBefore, "calls that failed before the kill")
	assert.Zero(t, failedAfter, "calls that failed after every goroutine had recovered")
	assert.Zero(t, late, "calls that returned more than %v after their deadline", lateMargin)
	assert.Zero(t, st.wrong.Load(), "Gets that returned a value that was never written")
	assert.Less(t, recoveredAt.Sub(readyAt), recoveryBound, "time from the restart until every goroutine succeeded again")

	closeStore()
	if n := settleGoroutines(baseline, 10*time.Second); n > baseline {
		t.Errorf("%d goroutines after Close, %d before the store was opened:\n%s", n, baseline, goroutineDump())
	}
}

// awaitAll waits for one send per goroutine on ch, failing t after
// phaseTimeout.
func awaitAll(t *testing.T, ch <-chan int, what string) {
	t.Helper()
	timeout := time.NewTimer(phaseTimeout)
	defer timeout.Stop()
	for n := 0; n < loadGoroutines; n++ {
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatalf("only %d of %d goroutines had %s within %v", n, loadGoroutines, what, phaseTimeout)
		}
	}
}

// load is the work of goroutine g: Set, Get and Increment of keys of its
// own, each with a deadline, until st.stop. It reports each phase of st
// once, and returns its calls.
func load(c *cache.Cache[string, int64], g int, st *loadState) []call {
	var (
		calls                               []call
		key, counter                        = fmt.Sprintf("k%d", g), fmt.Sprintf("n%d", g)
		seq                                 int64
		successes, steady                   int
		warmSent, outageSent, recoveredSent bool
		steadySent                          bool
	)
	for i := 0; ; i++ {
		select {
		case <-st.stop:
			return calls
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), opDeadline)
		cl := call{start: time.Now()}
		switch i % 3 {
		case 0:
			cl.op = "set"
			seq++
			cl.err = c.Set(ctx, key, int64(g)<<32|seq)
		case 1:
			cl.op = "get"
			var v int64
			var found bool
			v, found, cl.err = c.Get(ctx, key)
			// A value this goroutine wrote: its number, and a sequence
			// number it has used (a Set that failed may have landed).
			if cl.err == nil && found && (v>>32 != int64(g) || v&(1<<32-1) > seq) {
				st.wrong.Add(1)
			}
		case 2:
			cl.op = "increment"
			_, cl.err = c.Increment(ctx, counter, 1)
		}
		cl.end = time.Now()
		cancel()
		calls = append(calls, cl)

		killed, ready, recovered := at(&st.killedAt), at(&st.readyAt), at(&st.recoveredAt)
		switch {
		case cl.err == nil && !warmSent:
			if successes++; successes >= 10 {
				warmSent = true
				st.warm <- g
			}
		case cl.err != nil && !outageSent && !killed.IsZero() && cl.start.After(killed):
			outageSent = true
			st.sawOutage <- g
		case cl.err == nil && !recoveredSent && !ready.IsZero() && cl.start.After(ready):
			recoveredSent = true
			st.recovered <- g
		case !recovered.IsZero() && cl.start.After(recovered) && !steadySent:
			if steady++; steady >= steadyOps {
				steadySent = true
				st.steady <- g
			}
		}
		if cl.err != nil {
			// Pace a goroutine whose server refuses connections at once,
			// so that 16 of them do not starve the restart of CPU.
			time.Sleep(time.Millisecond)
		}
	}
}
