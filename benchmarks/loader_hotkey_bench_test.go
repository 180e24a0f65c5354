package benchmarks

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/loader"
	"github.com/cachekit/cachekit/memory"
	ckredis "github.com/cachekit/cachekit/rueidis"
	"github.com/cachekit/cachekit/serializer"
)

const (
	// hotLoad is how long a load of the hot-key benchmark takes.
	hotLoad = 50 * time.Millisecond
	// hotTTL is the TTL of its values: a hot key expires every hotTTL
	// unless it is refreshed ahead.
	hotTTL = time.Second
	// hotRefreshAfter is the age past which the refreshing variants reload
	// a value in the background.
	hotRefreshAfter = 700 * time.Millisecond
	// hotWindow is one op: reading the hot keys that long, across a few
	// expiries.
	hotWindow = 3 * time.Second
	// hotReaders is the number of readers per GOMAXPROCS.
	hotReaders = 8
	// hotPause is each reader's pause between two Gets: the load is a
	// steady stream of requests, not a closed loop that would keep every
	// core busy and time the scheduler's queue instead of the Gets.
	hotPause = time.Millisecond
	// hotWaited is the time per Get from which it counts as having waited
	// for a load (half of one).
	hotWaited = hotLoad / 2
)

// hotKeyImpl makes one Loader of the hot-key benchmark.
type hotKeyImpl struct {
	name string
	// refresh: the Loader refreshes ahead; make's refreshAfter is > 0.
	refresh bool
	// make returns a Loader with load whose values expire ttl after they
	// were written and, with refreshAfter > 0, are reloaded in the
	// background by a Get that finds them older than that.
	make func(tb testing.TB, load client.Load, ttl, refreshAfter time.Duration) client.Loader
}

// hotOptions are the options of cachekit's loader in the hot-key
// benchmark.
func hotOptions(ttl, refreshAfter time.Duration) loader.Options[string, string] {
	return loader.Options[string, string]{Lease: 5 * time.Second, TTL: ttl, RefreshAfter: refreshAfter}
}

// hotMemoryImpls are cachekit's loader on the memory store, otter's Get
// with a loader and sturdyc's GetOrFetch, each without and with
// refresh-ahead (RefreshAfter; RefreshCalculator; early refreshes).
func hotMemoryImpls() []hotKeyImpl {
	mem := func(name string, refresh bool) hotKeyImpl {
		return hotKeyImpl{name, refresh, func(_ testing.TB, load client.Load, ttl, refreshAfter time.Duration) client.Loader {
			s := memory.New(memory.Options{MaxEntries: memoryCapacity})
			return client.NewCachekitLoaderWith(name, s, nil, load, hotOptions(ttl, refreshAfter), s.Close)
		}}
	}
	otter := func(name string, refresh bool) hotKeyImpl {
		return hotKeyImpl{name, refresh, func(_ testing.TB, load client.Load, ttl, refreshAfter time.Duration) client.Loader {
			return client.NewOtterLoaderTTL(name, memoryCapacity, ttl, refreshAfter, load)
		}}
	}
	sturdyc := func(name string, refresh bool) hotKeyImpl {
		return hotKeyImpl{name, refresh, func(_ testing.TB, load client.Load, ttl, refreshAfter time.Duration) client.Loader {
			// A refresh retried at most every 2 loads: one at a time.
			return client.NewSturdyc(name, memoryCapacity, ttl, refreshAfter, 2*hotLoad, load)
		}}
	}
	return []hotKeyImpl{
		mem("cachekit", false), mem("cachekit-refresh", true),
		otter("otter", false), otter("otter-refresh", true),
		sturdyc("sturdyc", false), sturdyc("sturdyc-refresh", true),
	}
}

// hotRedisImpls are cachekit's loader on Redis without and with
// RefreshAfter. No peer refreshes ahead through Redis.
func hotRedisImpls(addr string) []hotKeyImpl {
	red := func(name string, refresh bool) hotKeyImpl {
		return hotKeyImpl{name, refresh, func(tb testing.TB, load client.Load, ttl, refreshAfter time.Duration) client.Loader {
			rc := newRueidis(tb, addr)
			s := ckredis.New(rc, ckredis.Options{})
			return client.NewCachekitLoaderWith(name, s, serializer.String(), load, hotOptions(ttl, refreshAfter), func() error {
				err := s.Close()
				rc.Close()
				return err
			})
		}}
	}
	return []hotKeyImpl{red("cachekit", false), red("cachekit-refresh", true)}
}

// BenchmarkLoaderHotKey reads one hot key (keys=1), or a few (keys=8),
// through a loader whose load takes hotLoad and whose values live hotTTL,
// from GOMAXPROCS×hotReaders goroutines that each Get, pause hotPause,
// and Get again, for hotWindow: one op. Without refresh-ahead, each
// expiry makes the callers of the next hotLoad wait for the load; with it
// (700 ms), a Get of an older value starts a reload in the background and
// returns at once, so no caller waits once the keys are warm. It reports
// the time per Get, p50-ms, p99-ms and max-ms (with the requests a waiting
// reader did not send, see readHot), waited/op (Gets per op that took
// hotWaited or longer: they waited for a load, or the machine stalled),
// loads/op and errors/op. The memory side has otter's Refresher and sturdyc's early
// refreshes beside cachekit; on Redis, cachekit alone.
func BenchmarkLoaderHotKey(b *testing.B) {
	b.Run("store=memory", func(b *testing.B) {
		for _, keys := range []int{1, 8} {
			b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
				for _, im := range passOrder(hotMemoryImpls()) {
					b.Run("impl="+im.name, func(b *testing.B) { runHotKey(b, im, keys) })
				}
			})
		}
	})
	b.Run("store=redis", func(b *testing.B) {
		addr := testserver.Redis(b)
		for _, keys := range []int{1, 8} {
			b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
				for _, im := range passOrder(hotRedisImpls(addr)) {
					b.Run("impl="+im.name, func(b *testing.B) {
						runHotKey(b, im, keys)
						flushRedis(b, addr)
					})
				}
			})
		}
	})
}

// hotLoader counts the loads of the hot-key benchmark and the ones under
// way.
type hotLoader struct {
	loads   atomic.Int64
	running sync.WaitGroup
}

// load takes hotLoad and returns the value of key.
func (h *hotLoader) load(ctx context.Context, key string) (string, error) {
	h.running.Add(1)
	defer h.running.Done()
	h.loads.Add(1)
	t := time.NewTimer(hotLoad)
	defer t.Stop()
	select {
	case <-t.C:
		return "value of " + key, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func runHotKey(b *testing.B, im hotKeyImpl, keys int) {
	var h hotLoader
	refreshAfter := time.Duration(0)
	if im.refresh {
		refreshAfter = hotRefreshAfter
	}
	l := im.make(b, h.load, hotTTL, refreshAfter)
	b.Cleanup(func() {
		_ = l.Close()
		// A refresh still under way (otter's and sturdyc's go on after
		// Close) ends with its load.
		h.running.Wait()
	})
	names := keyNames(keys)
	ctx := context.Background()
	for _, k := range names { // warm: the keys are loaded once
		if v, err := l.Get(ctx, k); err != nil || v != "value of "+k {
			b.Fatalf("warming %q: %q, %v", k, v, err)
		}
	}
	h.loads.Store(0)
	var (
		times  []time.Duration
		errs   int
		waited int
		rounds int
	)
	for b.Loop() {
		var w int
		times, errs, w = readHot(ctx, l, names, times, errs)
		waited += w
		rounds++
	}
	slices.Sort(times)
	b.ReportMetric(ms(percentile(times, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(times, 99)), "p99-ms")
	b.ReportMetric(ms(times[len(times)-1]), "max-ms")
	b.ReportMetric(float64(waited)/float64(rounds), "waited/op")
	b.ReportMetric(float64(h.loads.Load())/float64(rounds), "loads/op")
	b.ReportMetric(float64(errs)/float64(rounds), "errors/op")
}

// readHot runs one window: GOMAXPROCS×hotReaders goroutines read names in
// turn, pausing hotPause between Gets, until hotWindow has passed. It
// appends the time of each Get to times and adds the failed ones (an
// error or a wrong value) to errs, and returns the number of Gets that
// took hotWaited or longer.
//
// A reader that waits for a load sends no Get meanwhile, where a service
// would receive a request every hotPause, each of which would wait for
// the same load (coordinated omission: the waits would be counted once
// per reader, not once per request). So a Get that took d > hotPause also
// adds the times of the requests that would have come meanwhile,
// d−hotPause, d−2·hotPause, ... down to hotPause, as HdrHistogram's
// recordValueWithExpectedInterval does.
func readHot(ctx context.Context, l client.Loader, names []string, times []time.Duration, errs int) ([]time.Duration, int, int) {
	readers := runtime.GOMAXPROCS(0) * hotReaders
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		waited   int
		deadline = time.Now().Add(hotWindow)
	)
	for r := range readers {
		wg.Go(func() {
			own := make([]time.Duration, 0, int(hotWindow/hotPause))
			bad, slow := 0, 0
			for i := r; time.Now().Before(deadline); i++ {
				k := names[i%len(names)]
				start := time.Now()
				v, err := l.Get(ctx, k)
				d := time.Since(start)
				own = append(own, d)
				for missed := d - hotPause; missed >= hotPause; missed -= hotPause {
					own = append(own, missed)
				}
				if d >= hotWaited {
					slow++
				}
				if err != nil || v != "value of "+k {
					bad++
				}
				time.Sleep(hotPause)
			}
			mu.Lock()
			defer mu.Unlock()
			times = append(times, own...)
			errs += bad
			waited += slow
		})
	}
	wg.Wait()
	return times, errs, waited
}
