package faults

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rd "github.com/redis/rueidis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/lock"
	ckredis "github.com/cachekit/cachekit/rueidis"
)

const (
	// failoverLateMargin is how long after its deadline a call of the
	// load may return, not counting the time the process was starved of
	// CPU meanwhile (see schedLag). A call that waited for the promotion
	// or for the client's switch rather than its deadline returns seconds
	// late, with the process running. On an idle machine the slowest call
	// returns within a few ms of its deadline; at a load average of 15 to
	// 23 on the two cores (-race, two busy loops, other tests) calls
	// returned up to 700 ms late, during the outage (every caller waits
	// for the one dial of the dead master that rueidis makes for them all)
	// and around it, while the canary saw the process starved as long.
	failoverLateMargin = 200 * time.Millisecond
	// slowShare bounds the share of the calls made while the master is
	// up (before the kill, after every goroutine recovered) that may fail
	// by their deadline: on a loaded machine a call now and then takes
	// more than 300 ms (a handful in 10 000), while a client that never
	// found the new master would fail them all. Every other error fails
	// the test.
	slowShare = 0.05
	// crossLag is how long after a write acknowledged through one client
	// a read through the near cache of another may still miss it: Redis
	// sends the invalidation within a round trip (microseconds here). A
	// near cache that missed it would serve the old value for
	// ClientSideCache, a minute.
	crossLag = 500 * time.Millisecond
	// steadyFor is how long the load goes on after every goroutine has
	// recovered, so that reads through the other client come well after
	// writes acknowledged by the new master (crossLag).
	steadyFor = 2 * time.Second
	// expiringLease is the lease of a lock whose holder never lets go: its
	// waiters go on at its expiry, which comes after the failover or
	// about when it ends.
	expiringLease = 3 * time.Second
)

// TestSentinelFailoverUnderLoad kills the master of a Redis Sentinel
// deployment (SIGKILL) while 16 goroutines Set, Get and Increment through
// two stores (two clients) with a deadline on each call, and while lock
// waiters wait for two holders; the sentinels promote the replica, the
// clients follow it. Once without a near cache and once with one
// (rueidis.Options.ClientSideCache). It reports the time from the
// promotion to the first success and to every goroutine's, and holds the
// store to:
//
//   - no call returns more than 200 ms after its deadline, not counting
//     the time a canary goroutine saw the process starved meanwhile (see
//     failoverLateMargin);
//   - while the master is up, before the kill and once every goroutine
//     has recovered, no call fails but by its deadline, and few do (see
//     slowShare);
//   - no Get returns a value that nobody wrote;
//   - no Get that starts after the promotion returns a value older than
//     what the new master holds, nor a write that the failover lost (see
//     checkReads);
//   - the waiters of a lock.Red held when the master dies go on, with no
//     error, when the holder releases it on the new master, and when the
//     lease of a holder that never releases ends: not at the end of their
//     own lease;
//   - every goroutine succeeds again within 5 s of the announcement of
//     the new master, and no goroutine is left once the stores and
//     clients are closed.
//
// Acknowledged writes lost are counted and logged, not held to 0: Redis
// replicates asynchronously, so a write the old master acknowledged but
// had not yet sent to the replica when it died is not on the new master.
// The count is exact: the replica's copy of every key is read after the
// master died and before the promotion (it cannot change in between),
// and a write that started before the master died and is beyond that copy
// was acknowledged by the old master only.
func TestSentinelFailoverUnderLoad(t *testing.T) {
	for _, near := range []bool{false, true} {
		name := "plain"
		if near {
			name = "near-cache"
		}
		t.Run(name, func(t *testing.T) { runFailover(t, near) })
	}
}

// fcall is one call of the failover load.
type fcall struct {
	op         byte // 's'et, 'g'et or 'i'ncrement
	key        int  // the goroutine that owns (writes) the key
	cross      bool // a Get of another goroutine's key, through the other client
	seq        int64
	found      bool  // a Get found the key (seq is what it read)
	n          int64 // what an Increment returned
	start, end time.Time
	err        error
}

// failoverState is what the goroutines of the load and the test share.
type failoverState struct {
	promotedAt, recoveredAt atomic.Int64 // UnixNano; 0: not yet
	warm, recovered, steady chan int     // one send per goroutine and phase
	stop                    chan struct{}
	wrong                   atomic.Int64 // Gets that returned a value never written
	attempted               [loadGoroutines]atomic.Int64
	caches                  [2]*cache.Cache[string, int64]
	keys                    [loadGoroutines]string // the goroutines' values: "k<g>"
	counters                [loadGoroutines]string // and counters: "n<g>"
}

// lockWait is the outcome of a lock waiter.
type lockWait struct {
	name  string
	owned bool
	err   error
	at    time.Time
}

func runFailover(t *testing.T, near bool) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	sentinel := testserver.StartRedisSentinel(t)
	baseline := runtime.NumGoroutine()
	opts := ckredis.Options{}
	if near {
		opts.ClientSideCache = time.Minute
	}

	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
		closers = nil
	}
	defer closeAll()
	open := func(hooks ...cache.Hook) *cache.Cache[string, int64] {
		store, closeStore := openSentinel(t, sentinel, opts)
		closers = append(closers, closeStore)
		c, err := cache.New(store, cache.Options[string, int64]{Hooks: hooks})
		require.NoError(t, err)
		return c
	}
	// The replica's copy of the keys is read through a client connected
	// before the master dies.
	snap, err := rd.NewClient(rd.ClientOption{InitAddress: []string{sentinel.Replica()}, DisableCache: true})
	require.NoError(t, err)
	closers = append(closers, snap.Close)

	st := &failoverState{
		warm: make(chan int, loadGoroutines), recovered: make(chan int, loadGoroutines),
		steady: make(chan int, loadGoroutines), stop: make(chan struct{}),
	}
	st.caches = [2]*cache.Cache[string, int64]{open(), open()}
	for g := range loadGoroutines {
		st.keys[g], st.counters[g] = fmt.Sprintf("k%d", g), fmt.Sprintf("n%d", g)
	}
	lag := startSchedLag()
	defer lag.stop()
	calls := make([][]fcall, loadGoroutines)
	var wg sync.WaitGroup
	for g := range loadGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			calls[g] = failoverLoad(g, st)
		}()
	}
	stop := sync.OnceFunc(func() { close(st.stop); wg.Wait() })
	defer stop()
	awaitAll(t, st.warm, "10 successes before the kill")

	// Two locks, held when the master dies: one released after the
	// failover, one whose holder never lets go.
	holder := open()
	released, expiring := lock.NewRed(holder, "released", waiterLease), lock.NewRed(holder, "expiring", expiringLease)
	owned, err := released.Acquire(ctx)
	require.True(t, owned && err == nil, "acquire: %v, %v", owned, err)
	owned, err = expiring.Acquire(ctx)
	require.True(t, owned && err == nil, "acquire: %v, %v", owned, err)
	expiringAt := time.Now().Add(expiringLease)
	waits, waitsDone := startWaiters(ctx, t, open)

	killedAt := time.Now()
	sentinel.KillMaster(t)
	deadAt := time.Now()
	lockKeys := []string{holder.KeyWithSuffix("released", "-lock"), holder.KeyWithSuffix("expiring", "-lock")}
	replicated, held := replicaCopy(ctx, t, snap, st, lockKeys)
	f := sentinel.AwaitFailover(t)
	st.promotedAt.Store(f.Promoted.UnixNano())

	// The holder releases once its client has moved to the new master.
	var releasedAt time.Time
	for releasedAt.IsZero() {
		rctx, rcancel := context.WithTimeout(ctx, opDeadline)
		if err := released.Release(rctx); err == nil {
			releasedAt = time.Now()
		}
		rcancel()
		require.Less(t, time.Since(f.Announced), phaseTimeout, "the holder could not release its lock on the new master")
	}

	awaitAll(t, st.recovered, "a success after the promotion")
	st.recoveredAt.Store(time.Now().UnixNano())
	awaitAll(t, st.steady, fmt.Sprintf("%d calls and %v after everyone recovered", steadyOps, steadyFor))
	stop()
	lag.stop()
	waitsDone()

	recoveredAt := at(&st.recoveredAt)
	var (
		total, failed, late, hung, outageSuccesses int // late: past deadline + 200 ms; hung: also when the process ran
		up, slow, broken                           int // calls while the master was up, and their failures
		firstSuccess                               time.Time
		slowest                                    time.Duration
		example                                    error
	)
	for _, cs := range calls {
		for _, cl := range cs {
			total++
			took := cl.end.Sub(cl.start)
			slowest = max(slowest, took)
			if took > opDeadline+failoverLateMargin {
				late++
			}
			if deadline := cl.start.Add(opDeadline); cl.end.Sub(deadline)-lag.stalledIn(deadline, cl.end) > failoverLateMargin {
				hung++
			}
			whileUp := cl.end.Before(killedAt) || cl.start.After(recoveredAt)
			if whileUp {
				up++
			}
			switch {
			case cl.err != nil:
				failed++
				switch {
				case !whileUp:
				case errors.Is(cl.err, context.DeadlineExceeded):
					slow++
				default:
					broken++
					example = cl.err
				}
			case cl.start.After(deadAt) && cl.end.Before(f.Promoted):
				outageSuccesses++
			case cl.start.After(deadAt) && (firstSuccess.IsZero() || cl.end.Before(firstSuccess)):
				firstSuccess = cl.end
			}
		}
	}
	lost := countLost(calls, replicated, deadAt, f.Promoted)
	reads := checkReads(calls, replicated, deadAt, f.Promoted, near)

	t.Logf("%d calls, %d failed (%d of the %d made while the master was up, by their deadline), "+
		"%d returned more than %v after their deadline, slowest %v, the canary's longest stall %v; master killed, replica promoted %v and announced %v after; "+
		"first success %v after the promotion (%v after the announcement), every goroutine %v after; "+
		"%d successes between the kill and the promotion; %d calls late while the process ran",
		total, failed, slow, up, late, failoverLateMargin, slowest.Round(time.Millisecond), lag.max().Round(time.Millisecond), f.Promoted.Sub(killedAt).Round(time.Millisecond),
		f.Announced.Sub(killedAt).Round(time.Millisecond), firstSuccess.Sub(f.Promoted).Round(time.Millisecond),
		firstSuccess.Sub(f.Announced).Round(time.Millisecond), recoveredAt.Sub(f.Promoted).Round(time.Millisecond),
		outageSuccesses, hung)
	t.Logf("acknowledged writes lost: %d of %d Sets and %d of %d Increments acknowledged by the old master",
		lost.sets, lost.ackedSets, lost.incrs, lost.ackedIncrs)
	t.Logf("reads after the promotion: %d checked (%d through the other client, %d of those after a write of the new master): %d stale, %d returned a lost write",
		reads.checked, reads.cross, reads.crossFresh, reads.stale, reads.ghosts)

	assert.Zero(t, broken, "calls that failed while the master was up, other than by their deadline (e.g. %v)", example)
	assert.Less(t, float64(slow), slowShare*float64(up), "calls that failed by their deadline while the master was up, of %d", up)
	assert.Zero(t, hung, "calls that returned more than %v after their deadline, beyond the scheduling delay meanwhile", failoverLateMargin)
	assert.Zero(t, st.wrong.Load(), "Gets that returned a value that was never written")
	assert.Zero(t, lost.ambiguous, "Sets and Increments that started before the master died and were acknowledged after the promotion: "+
		"the count of lost writes assumes there are none (each call returns by its deadline)")
	assert.Zero(t, reads.stale, "Gets after the promotion that returned a value older than the new master's")
	assert.Zero(t, reads.ghosts, "Gets after the promotion that returned a write the failover lost")
	assert.Positive(t, reads.crossFresh, "Gets through the other client after writes of the new master: the check above needs some")
	assert.Less(t, recoveredAt.Sub(f.Announced), recoveryBound, "time from the announcement of the new master until every goroutine succeeded again")

	for _, w := range waits() {
		require.NoError(t, w.err, w.name)
		assert.False(t, w.owned, "%s took a lock that its holder still held", w.name)
		switch {
		case strings.HasPrefix(w.name, "released"):
			assert.True(t, w.at.Before(releasedAt.Add(waitMargin)), "%s went on %v after the release", w.name, w.at.Sub(releasedAt))
			if held[0] {
				assert.False(t, w.at.Before(releasedAt.Add(-opDeadline)), "%s went on %v before the release, the holder's entry being on the new master",
					w.name, releasedAt.Sub(w.at))
			}
			t.Logf("%s went on %v after the release", w.name, w.at.Sub(releasedAt).Round(time.Millisecond))
		default:
			bound := expiringAt
			if f.Announced.After(bound) {
				bound = f.Announced
			}
			assert.True(t, w.at.Before(bound.Add(waitMargin)), "%s went on %v after the holder's expiry and the announcement", w.name, w.at.Sub(bound))
			t.Logf("%s went on %v after the holder's expiry (%v after the announcement)", w.name,
				w.at.Sub(expiringAt).Round(time.Millisecond), w.at.Sub(f.Announced).Round(time.Millisecond))
		}
	}
	if !held[0] || !held[1] {
		t.Logf("lock entries on the replica when the master died: released %v, expiring %v", held[0], held[1])
	}

	closeAll()
	if n := settleGoroutines(baseline, 10*time.Second); n > baseline {
		t.Errorf("%d goroutines after Close, %d before the stores were opened:\n%s", n, baseline, goroutineDump())
	}
}

// openSentinel returns a store on a client of its own of the Sentinel
// deployment s, and what closes both.
func openSentinel(tb testing.TB, s *testserver.Sentinel, opts ckredis.Options) (cache.Store, func()) {
	tb.Helper()
	client, err := rd.NewClient(rd.ClientOption{
		InitAddress: s.Sentinels(),
		Sentinel:    rd.SentinelOption{MasterSet: s.MasterSet()},
	})
	if err != nil {
		tb.Fatalf("redis client of the Sentinel deployment %v: %v", s.Sentinels(), err)
	}
	store := ckredis.New(client, opts)
	return store, func() {
		_ = store.Close()
		client.Close()
	}
}

// failoverLoad is the work of goroutine g: in turn, Set of its key, Get
// of it, Increment of its counter, and Get of its partner's key (g^1),
// which the partner writes through the other client; each with a
// deadline, through the cache of client g%2, until st.stop. It reports
// each phase of st once, and returns its calls.
func failoverLoad(g int, st *failoverState) []fcall {
	var (
		calls                               []fcall
		c                                   = st.caches[g%2]
		partner                             = g ^ 1
		seq                                 int64
		successes, steady                   int
		warmSent, recoveredSent, steadySent bool
	)
	for i := 0; ; i++ {
		select {
		case <-st.stop:
			return calls
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), opDeadline)
		cl := fcall{key: g, start: time.Now()}
		switch i % 4 {
		case 0:
			cl.op = 's'
			seq++
			cl.seq = seq
			st.attempted[g].Store(seq)
			cl.err = c.Set(ctx, st.keys[g], int64(g)<<32|seq)
		case 1, 3:
			cl.op = 'g'
			if i%4 == 3 {
				cl.key, cl.cross = partner, true
			}
			var v int64
			v, cl.found, cl.err = c.Get(ctx, st.keys[cl.key])
			cl.seq = v & (1<<32 - 1)
			// A value its owner wrote: its number, and a sequence number
			// it has used (a Set that failed may have landed).
			if cl.err == nil && cl.found && (v>>32 != int64(cl.key) || cl.seq > st.attempted[cl.key].Load()) {
				st.wrong.Add(1)
			}
		case 2:
			cl.op = 'i'
			cl.n, cl.err = c.Increment(ctx, st.counters[g], 1)
		}
		cl.end = time.Now()
		cancel()
		calls = append(calls, cl)

		promoted, recovered := at(&st.promotedAt), at(&st.recoveredAt)
		switch {
		case cl.err == nil && !warmSent:
			if successes++; successes >= 10 {
				warmSent = true
				st.warm <- g
			}
		case cl.err == nil && !recoveredSent && !promoted.IsZero() && cl.start.After(promoted):
			recoveredSent = true
			st.recovered <- g
		case !recovered.IsZero() && cl.start.After(recovered) && !steadySent:
			if steady++; steady >= steadyOps && time.Since(recovered) >= steadyFor {
				steadySent = true
				st.steady <- g
			}
		}
		if cl.err != nil {
			// Pace a goroutine whose server refuses connections at once,
			// so that 16 of them do not starve the failover of CPU.
			time.Sleep(time.Millisecond)
		}
	}
}

// startWaiters starts, on two stores of their own (as two other processes
// would be), a waiter of each lock of holder ("released" and "expiring",
// lease waiterLease), and returns once each has found its lock held and
// waits. waits returns their outcomes; done waits for them.
func startWaiters(ctx context.Context, t *testing.T, open func(...cache.Hook) *cache.Cache[string, int64]) (waits func() []lockWait, done func()) {
	waiting := make(chan struct{}, 4)
	sawHolder := cache.HookFunc(func(_ context.Context, e cache.Event) {
		if e.Op == cache.OpLockAcquire && e.Err == nil && !e.Ok {
			waiting <- struct{}{}
		}
	})
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		out []lockWait
	)
	for i := range 2 {
		c := open(sawHolder)
		for _, key := range []string{"released", "expiring"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owned, err := lock.NewRed(c, key, waiterLease).Acquire(ctx)
				mu.Lock()
				out = append(out, lockWait{name: fmt.Sprintf("%s waiter %d", key, i), owned: owned, err: err, at: time.Now()})
				mu.Unlock()
			}()
		}
	}
	timeout := time.NewTimer(phaseTimeout)
	defer timeout.Stop()
	for range 4 {
		select {
		case <-waiting:
		case <-timeout.C:
			t.Fatalf("the lock waiters did not find their locks held within %v", phaseTimeout)
		}
	}
	return func() []lockWait {
			mu.Lock()
			defer mu.Unlock()
			return out
		}, func() {
			wg.Wait()
		}
}
