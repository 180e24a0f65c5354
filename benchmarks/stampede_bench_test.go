package benchmarks

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/internal/testserver"
)

const (
	// stampedeInstances is the number of store instances (clients, as
	// separate processes would have) of the stampede.
	stampedeInstances = 3
	// stampedeCallers is the number of goroutines that want the value at
	// once, spread over the instances.
	stampedeCallers = 32
	// stampedeLoad is how long the loader takes: long enough for every
	// caller to be waiting before the value is stored.
	stampedeLoad = 20 * time.Millisecond
	// stampedeDeadline bounds a round: a caller that does not have the
	// value by then is stuck (counted, and its wait until the deadline is
	// its time to value).
	stampedeDeadline = 2 * time.Second
)

// BenchmarkStampede runs the cache-stampede pattern: stampedeCallers
// goroutines, over stampedeInstances instances, each call
// Do(key, get; if missing {load; set}) on one new key. One op is one such
// round, until every caller has the value. It reports:
//
//   - loads/op: loader calls per round; 1 is the point of the lock;
//   - p50-ms, p99-ms: over every caller but the loader, the time from the
//     end of the loader's fn (the value stored, the release about to
//     start) until the caller has the value;
//   - stuck/op: callers per round that still had no value when the round's
//     deadline (stampedeDeadline) passed; they were never woken.
func BenchmarkStampede(b *testing.B) {
	addr := testserver.Redis(b)
	for _, im := range passOrder(lockImpls(addr)) {
		if im.guard == nil {
			continue
		}
		b.Run("impl="+im.name, func(b *testing.B) {
			guards := make([]client.Guard, stampedeInstances)
			for i := range guards {
				guards[i] = im.guard(b)
			}
			b.Cleanup(func() {
				for _, g := range guards {
					if err := g.Close(); err != nil {
						b.Error(err)
					}
				}
				flushRedis(b, addr)
			})
			var st stampedeStats
			runStampede(b, guards, "warm-up", stampedeDeadline, &stampedeStats{})
			round := 0
			for b.Loop() {
				runStampede(b, guards, fmt.Sprintf("stampede-%d", round), stampedeDeadline, &st)
				round++
			}
			st.report(b, round)
		})
	}
}

// stampedeStats accumulates the rounds of a stampede benchmark.
type stampedeStats struct {
	loads atomic.Int64
	stuck atomic.Int64
	mu    sync.Mutex
	ttv   []time.Duration // time to value of each caller but the loaders
}

// report reports the metrics of BenchmarkStampede for rounds rounds.
func (st *stampedeStats) report(b *testing.B, rounds int) {
	if rounds == 0 {
		return
	}
	b.ReportMetric(float64(st.loads.Load())/float64(rounds), "loads/op")
	b.ReportMetric(float64(st.stuck.Load())/float64(rounds), "stuck/op")
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.ttv) == 0 {
		return
	}
	slices.Sort(st.ttv)
	b.ReportMetric(ms(percentile(st.ttv, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(st.ttv, 99)), "p99-ms")
}

// runStampede runs one round on key, which ends at deadline (a caller
// still waiting then is stuck), and adds it to st.
func runStampede(tb testing.TB, guards []client.Guard, key string, deadline time.Duration, st *stampedeStats) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	value := []byte("the value of " + key)
	var (
		start   = make(chan struct{})
		stored  atomic.Int64 // UnixNano when the last loader's fn ended
		got     = make([]time.Time, stampedeCallers)
		loaded  = make([]bool, stampedeCallers)
		errs    = make([]error, stampedeCallers)
		ended   = make([]time.Time, stampedeCallers)
		callers sync.WaitGroup
	)
	for i := range stampedeCallers {
		g := guards[i%len(guards)]
		callers.Go(func() {
			<-start
			errs[i] = g.Do(ctx, key, func(ctx context.Context) error {
				v, found, err := g.Get(ctx, key)
				if err != nil {
					return err
				}
				if !found {
					loaded[i] = true
					time.Sleep(stampedeLoad) // the expensive computation
					if err := g.Set(ctx, key, value); err != nil {
						return err
					}
					v = value
					defer func() { stored.Store(time.Now().UnixNano()) }()
				}
				got[i] = time.Now()
				if string(v) != string(value) {
					return fmt.Errorf("caller %d read %q", i, v)
				}
				return nil
			})
			ended[i] = time.Now()
		})
	}
	close(start)
	callers.Wait()
	release := time.Unix(0, stored.Load())
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, err := range errs {
		switch {
		case err != nil && ctx.Err() == nil:
			tb.Fatalf("caller %d: %v", i, err)
		case err != nil:
			st.stuck.Add(1)
			st.ttv = append(st.ttv, max(ended[i].Sub(release), 0))
		case loaded[i]:
			st.loads.Add(1)
		default:
			st.ttv = append(st.ttv, max(got[i].Sub(release), 0))
		}
	}
}

// percentile returns the p-th percentile of sorted, by the nearest rank.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100 // ceil(len*p/100)
	return sorted[max(i-1, 0)]
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
