package benchmarks

import (
	"context"
	"errors"
	"fmt"
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

// loaderKeys is the number of keys the hit benchmarks read.
const loaderKeys = 1 << 10

// errNoLoad is what the loaders of the hit benchmarks return: every read
// there must hit.
var errNoLoad = errors.New("a hit benchmark loaded")

func noLoad(context.Context, string) (string, error) { return "", errNoLoad }

// loaderImpl makes one Loader of a benchmark.
type loaderImpl struct {
	name string
	make func(tb testing.TB, load client.Load) client.Loader
	// hitOnly: a variant of cachekit's loader for the hit benchmarks.
	hitOnly bool
	// failsOpen: the loader loads from fn when a store call outlasts its
	// StoreTimeout (then for a second, its breaker's), as a machine that
	// stalls does; its hit benchmark loads the right value and reports
	// loads/op (0 on a quiet machine) instead of failing.
	failsOpen bool
}

// The options of cachekit's loader variants in the hit benchmarks.
var (
	// refreshOptions set RefreshAfter alone (with the TTL it needs): a
	// hit reads the value and its TTL, and finds the value young.
	refreshOptions = loader.Options[string, string]{Lease: 5 * time.Second, TTL: 10 * time.Minute, RefreshAfter: 8 * time.Minute}
	// productionOptions are those of examples/httpservice, what a service
	// in production sets: refresh-ahead, stale values, remembered misses,
	// fail-open with a store timeout.
	productionOptions = loader.Options[string, string]{
		Lease:        5 * time.Second,
		TTL:          10 * time.Minute,
		RefreshAfter: 8 * time.Minute,
		StaleFor:     time.Hour,
		LoadTimeout:  500 * time.Millisecond,
		MissTTL:      time.Minute,
		FailOpen:     true,
		StoreTimeout: 250 * time.Millisecond,
	}
)

// memoryLoaders are cachekit's loader and Cache.Get on the memory store, and
// otter's Get with a loader; and, for the hits, cachekit's loader with
// refreshOptions and productionOptions, and Cache.Get of values written
// with refreshOptions' TTL, their reference (a read of a value that
// expires checks the clock, which costs the memory store a third of its
// read).
func memoryLoaders() []loaderImpl {
	mem := func(name string, load client.Load, opts *loader.Options[string, string]) *client.CachekitLoader {
		s := memory.New(memory.Options{MaxEntries: memoryCapacity})
		if opts == nil {
			return client.NewCachekitLoader(name, s, nil, load, s.Close)
		}
		return client.NewCachekitLoaderWith(name, s, nil, load, *opts, s.Close)
	}
	return []loaderImpl{
		{name: "cachekit", make: func(_ testing.TB, load client.Load) client.Loader { return mem("cachekit", load, nil) }},
		{name: "cachekit-cache-get", make: func(_ testing.TB, load client.Load) client.Loader {
			return client.CachekitCacheGet{CachekitLoader: mem("cachekit", load, nil)}
		}},
		{name: "cachekit-cache-get-ttl", hitOnly: true, make: func(_ testing.TB, load client.Load) client.Loader {
			return client.CachekitCacheGet{CachekitLoader: mem("cachekit", load, &refreshOptions)}
		}},
		{name: "cachekit-refresh", hitOnly: true, make: func(_ testing.TB, load client.Load) client.Loader {
			return mem("cachekit-refresh", load, &refreshOptions)
		}},
		{name: "cachekit-production", hitOnly: true, failsOpen: true, make: func(_ testing.TB, load client.Load) client.Loader {
			return mem("cachekit-production", load, &productionOptions)
		}},
		{name: "otter", make: func(_ testing.TB, load client.Load) client.Loader { return client.NewOtterLoader(memoryCapacity, load) }},
	}
}

// redisLoaders are cachekit's loader and Cache.Get on Redis, go-redis/cache's
// Once and rueidisaside, each with clients of its own to the Redis at addr;
// and, for the hits, cachekit's loader with refreshOptions and
// productionOptions.
func redisLoaders(addr string) []loaderImpl {
	red := func(tb testing.TB, name string, load client.Load, opts *loader.Options[string, string]) *client.CachekitLoader {
		rc := newRueidis(tb, addr)
		s := ckredis.New(rc, ckredis.Options{})
		closeAll := func() error {
			err := s.Close()
			rc.Close()
			return err
		}
		if opts == nil {
			return client.NewCachekitLoader(name, s, serializer.String(), load, closeAll)
		}
		return client.NewCachekitLoaderWith(name, s, serializer.String(), load, *opts, closeAll)
	}
	return []loaderImpl{
		{name: "cachekit", make: func(tb testing.TB, load client.Load) client.Loader { return red(tb, "cachekit", load, nil) }},
		{name: "cachekit-cache-get", make: func(tb testing.TB, load client.Load) client.Loader {
			return client.CachekitCacheGet{CachekitLoader: red(tb, "cachekit", load, nil)}
		}},
		{name: "cachekit-refresh", hitOnly: true, make: func(tb testing.TB, load client.Load) client.Loader {
			return red(tb, "cachekit-refresh", load, &refreshOptions)
		}},
		{name: "cachekit-production", hitOnly: true, failsOpen: true, make: func(tb testing.TB, load client.Load) client.Loader {
			return red(tb, "cachekit-production", load, &productionOptions)
		}},
		{name: "go-redis-cache-once", make: func(_ testing.TB, load client.Load) client.Loader {
			return client.NewGoRedisCacheOnce(newGoRedis(addr), load)
		}},
		{name: "rueidisaside", make: func(tb testing.TB, load client.Load) client.Loader {
			l, err := client.NewRueidisaside(addr, load)
			if err != nil {
				tb.Fatal(err)
			}
			return l
		}},
	}
}

// BenchmarkLoaderHit reads present keys through each loader from
// GOMAXPROCS goroutines (memory), or remoteParallelism per core (Redis):
// the cost of a loader on a hit, beside the plain Cache.Get under it.
// cachekit-refresh sets RefreshAfter (its hits read the value's TTL too,
// and find it young: no refresh starts), cachekit-production the options
// of examples/httpservice. rueidisaside serves its hits from client-side
// caching, in memory.
func BenchmarkLoaderHit(b *testing.B) {
	b.Run("store=memory", func(b *testing.B) { runLoaderHit(b, memoryLoaders(), 1) })
	b.Run("store=redis", func(b *testing.B) {
		addr := testserver.Redis(b)
		runLoaderHit(b, redisLoaders(addr), remoteParallelism)
		flushRedis(b, addr)
	})
}

func runLoaderHit(b *testing.B, impls []loaderImpl, par int) {
	keys := keyNames(loaderKeys)
	for _, im := range passOrder(impls) {
		b.Run("impl="+im.name, func(b *testing.B) {
			load, loads := client.Load(noLoad), new(atomic.Int64)
			if im.failsOpen {
				load = func(_ context.Context, key string) (string, error) {
					loads.Add(1)
					return "value of " + key, nil
				}
			}
			l := im.make(b, load)
			b.Cleanup(func() { _ = l.Close() })
			ctx := context.Background()
			for _, k := range keys {
				if err := l.Set(ctx, k, "value of "+k); err != nil {
					b.Fatal(err)
				}
				if _, err := l.Get(ctx, k); err != nil { // warm a client-side cache
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := l.Get(ctx, keys[i&(loaderKeys-1)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			if im.failsOpen {
				b.ReportMetric(float64(loads.Load())/float64(b.N), "loads/op")
			}
		})
	}
}

const (
	// loaderInstances are the processes of the loader stampede (clients of
	// their own).
	loaderInstances = 3
	// loaderCallers is the number of goroutines per instance that want the
	// cold key at once.
	loaderCallers = 200
	// loaderLoad is how long the load takes.
	loaderLoad = 50 * time.Millisecond
)

// BenchmarkLoaderStampede: loaderCallers goroutines on each of
// loaderInstances instances ask a loader on Redis for one cold key at
// once; the load takes loaderLoad. One op is one round. It reports
// loads/op (1 is the point), p50-ms and p99-ms of the time from the round's
// start to each caller's value (loaderLoad is the floor), and errors/op.
func BenchmarkLoaderStampede(b *testing.B) {
	addr := testserver.Redis(b)
	for _, im := range passOrder(redisLoaders(addr)) {
		if im.name == "cachekit-cache-get" || im.hitOnly {
			continue
		}
		b.Run("impl="+im.name, func(b *testing.B) {
			var loads atomic.Int64
			load := func(ctx context.Context, key string) (string, error) {
				loads.Add(1)
				select {
				case <-time.After(loaderLoad):
					return "value of " + key, nil
				case <-ctx.Done():
					return "", ctx.Err()
				}
			}
			loaders := make([]client.Loader, loaderInstances)
			for i := range loaders {
				loaders[i] = im.make(b, load)
			}
			b.Cleanup(func() {
				for _, l := range loaders {
					_ = l.Close()
				}
				flushRedis(b, addr)
			})
			var (
				ttv    []time.Duration
				errs   int
				rounds int
			)
			runLoaderStampede(b, loaders, "warm-up", &[]time.Duration{}, new(int))
			loads.Store(0)
			for b.Loop() {
				runLoaderStampede(b, loaders, fmt.Sprintf("stampede-%d", rounds), &ttv, &errs)
				rounds++
			}
			slices.Sort(ttv)
			b.ReportMetric(float64(loads.Load())/float64(rounds), "loads/op")
			b.ReportMetric(float64(errs)/float64(rounds), "errors/op")
			b.ReportMetric(ms(percentile(ttv, 50)), "p50-ms")
			b.ReportMetric(ms(percentile(ttv, 99)), "p99-ms")
		})
	}
}

// runLoaderStampede runs one round on key, adding each caller's time to
// value to ttv and its errors to errs.
func runLoaderStampede(tb testing.TB, loaders []client.Loader, key string, ttv *[]time.Duration, errs *int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var (
		start = make(chan struct{})
		mu    sync.Mutex
		wg    sync.WaitGroup
	)
	for _, l := range loaders {
		for range loaderCallers {
			wg.Go(func() {
				<-start
				begin := time.Now()
				v, err := l.Get(ctx, key)
				took := time.Since(begin)
				mu.Lock()
				defer mu.Unlock()
				if err != nil || v != "value of "+key {
					*errs++
					return
				}
				*ttv = append(*ttv, took)
			})
		}
	}
	close(start)
	wg.Wait()
}
