package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/cachekit/cachekit/benchmarks/client"
	cachekitprom "github.com/cachekit/cachekit/contrib/prometheus"
	"github.com/cachekit/cachekit/internal/testserver"
)

// The tests below check that every adapter does what its benchmark
// assumes, on real servers, in a few milliseconds each: `go test` without
// -bench runs only them.

func TestMemoryAdaptersStoreAndReadBack(t *testing.T) {
	for _, im := range memoryImpls() {
		t.Run(im.name, func(t *testing.T) { checkKV(t, im.new(t), 7, 0) })
	}
}

func TestRedisAdaptersStoreAndReadBack(t *testing.T) {
	addr := testserver.Redis(t)
	for _, im := range redisImpls(addr) {
		t.Run(im.name, func(t *testing.T) {
			t.Cleanup(func() { flushRedis(t, addr) })
			checkKV(t, im.new(t), []byte("seven"), []byte("0"))
		})
	}
}

func TestRedisClusterAdaptersStoreAndReadBack(t *testing.T) {
	addrs := testserver.RedisCluster(t)
	for _, im := range clusterImpls(addrs) {
		t.Run(im.name, func(t *testing.T) {
			t.Cleanup(func() { flushRedis(t, addrs...) })
			checkKV(t, im.new(t), []byte("seven"), []byte("0"))
		})
	}
}

func TestMemcachedAdaptersStoreAndReadBack(t *testing.T) {
	addr := testserver.Memcached(t)
	for _, im := range memcachedImpls(addr) {
		t.Run(im.name, func(t *testing.T) {
			t.Cleanup(func() { flushMemcached(t, addr) })
			checkKV(t, im.new(t), []byte("seven"), []byte("0"))
		})
	}
}

// checkKV writes val and zero through kv and reads them back with every
// operation kv has.
func checkKV[V any](t *testing.T, kv client.KV[V], val, zero V) {
	t.Helper()
	defer func() {
		if err := kv.Close(); err != nil {
			t.Error(err)
		}
	}()
	ctx := context.Background()
	keys := keyNames(3)
	for _, k := range keys {
		if err := kv.Set(ctx, k, val); err != nil {
			t.Fatal(err)
		}
	}
	if w, ok := kv.(client.Waiter); ok {
		w.Wait()
	}
	if _, found, err := kv.Get(ctx, keys[0]); !found || err != nil {
		t.Fatalf("Get of a written key: found %v, %v", found, err)
	}
	if _, found, err := kv.Get(ctx, "absent-key"); found || err != nil {
		t.Fatalf("Get of an absent key: found %v, %v", found, err)
	}
	if mg, ok := kv.(client.MultiGetter); ok {
		if hits, err := mg.MultiGet(ctx, append(keys, "absent-key")); hits != len(keys) || err != nil {
			t.Fatalf("MultiGet of %d written keys and an absent one: %d hits, %v", len(keys), hits, err)
		}
	}
	if ad, ok := kv.(client.Adder[V]); ok {
		if added, err := ad.Add(ctx, "added-key", val); !added || err != nil {
			t.Fatalf("Add of an absent key: %v, %v", added, err)
		}
		// go-redis/cache cannot tell a refused Add from a done one.
		if added, err := ad.Add(ctx, keys[0], val); err != nil || added && kv.Name() != "go-redis-cache" {
			t.Fatalf("Add of a present key: %v, %v", added, err)
		}
	}
	if inc, ok := kv.(client.Incrementer); ok {
		if err := kv.Set(ctx, "counter", zero); err != nil {
			t.Fatal(err)
		}
		if w, ok := kv.(client.Waiter); ok {
			w.Wait()
		}
		for want := int64(1); want <= 2; want++ {
			if n, err := inc.Increment(ctx, "counter", 1); n != want || err != nil {
				t.Fatalf("Increment: %d, %v; want %d", n, err, want)
			}
		}
	}
}

func TestLockAdaptersExcludeAndRelease(t *testing.T) {
	addr := testserver.Redis(t)
	ctx := context.Background()
	for _, im := range lockImpls(addr) {
		t.Run(im.name, func(t *testing.T) {
			a, b := im.lock(t), im.lock(t)
			t.Cleanup(func() { _ = a.Close(); _ = b.Close(); flushRedis(t, addr) })
			unlock, err := a.TryLock(ctx, "smoke")
			if err != nil {
				t.Fatal(err)
			}
			if im.name != "cachekit" { // lock.Red waits for the holder instead
				if _, err := b.TryLock(ctx, "smoke"); !errors.Is(err, client.ErrHeld) {
					t.Fatalf("TryLock of a held lock: %v, want ErrHeld", err)
				}
			}
			if err := unlock(ctx); err != nil {
				t.Fatal(err)
			}
			unlock, err = b.TryLock(ctx, "smoke")
			if err != nil {
				t.Fatalf("TryLock after the release: %v", err)
			}
			if err := unlock(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStampedeLoadsOnceWithEveryGuard(t *testing.T) {
	addr := testserver.Redis(t)
	for _, im := range lockImpls(addr) {
		if im.guard == nil || im.name == "redsync" { // redsync polls for up to 250ms a caller
			continue
		}
		t.Run(im.name, func(t *testing.T) {
			guards := []client.Guard{im.guard(t), im.guard(t), im.guard(t)}
			t.Cleanup(func() {
				for _, g := range guards {
					_ = g.Close()
				}
				flushRedis(t, addr)
			})
			var st stampedeStats
			// A deadline far past the benchmark's: on a loaded machine
			// (and under -race) a polling peer is slow, not stuck.
			runStampede(t, guards, "smoke", 30*time.Second, &st)
			if n := st.loads.Load(); n != 1 {
				t.Fatalf("%d loads, want 1", n)
			}
			if len(st.ttv) != stampedeCallers-1 {
				t.Fatalf("%d callers other than the loader, want %d", len(st.ttv), stampedeCallers-1)
			}
			// rueidislock loses a wake-up now and then (about one round in
			// a few hundred, more under the race detector): BenchmarkStampede
			// reports it as stuck/op.
			if n := st.stuck.Load(); n > 0 && im.name != "rueidislock" {
				t.Fatalf("%d callers never got the value", n)
			}
		})
	}
}

func TestOptimisticAdaptersLoseNoUpdate(t *testing.T) {
	addr := testserver.Redis(t)
	ctx := context.Background()
	for _, u := range []client.Updater{
		client.NewCachekitUpdate(newCachekitRedisStore(t, addr), func() error { return nil }),
		client.NewGoRedisWatch(newGoRedis(addr)),
	} {
		t.Run(u.Name(), func(t *testing.T) {
			t.Cleanup(func() { _ = u.Close(); flushRedis(t, addr) })
			done := make(chan error)
			for range 4 {
				go func() {
					for range 5 {
						if _, err := u.Update(ctx, "smoke-counter", func(n int64) int64 { return n + 1 }); err != nil {
							done <- err
							return
						}
					}
					done <- nil
				}()
			}
			for range 4 {
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			if n, _, err := u.Get(ctx, "smoke-counter"); n != 20 || err != nil {
				t.Fatalf("counter %d, %v after 20 updates", n, err)
			}
		})
	}
}

func TestPercentileTakesTheNearestRank(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for p, want := range map[int]time.Duration{50: 5, 99: 10, 100: 10, 10: 1, 1: 1} {
		if got := percentile(d, p); got != want {
			t.Errorf("percentile %d = %d, want %d", p, got, want)
		}
	}
}

func TestStoreLockAdaptersTakeAndRelease(t *testing.T) {
	addr := testserver.Memcached(t)
	ctx := context.Background()
	for store, impls := range map[string][]lockImpl{"memcached": memcachedLockImpls(addr), "memory": memoryLockImpls()} {
		for _, im := range impls {
			t.Run(store+"/"+im.name, func(t *testing.T) {
				l := im.lock(t)
				t.Cleanup(func() {
					_ = l.Close()
					if store == "memcached" {
						flushMemcached(t, addr)
					}
				})
				unlock, err := l.TryLock(ctx, "smoke")
				if err != nil {
					t.Fatal(err)
				}
				if im.name == "raw" { // lock.Red waits for the holder instead
					if _, err := l.TryLock(ctx, "smoke"); !errors.Is(err, client.ErrHeld) {
						t.Fatalf("TryLock of a held lock: %v, want ErrHeld", err)
					}
				}
				if err := unlock(ctx); err != nil {
					t.Fatal(err)
				}
				if unlock, err = l.TryLock(ctx, "smoke"); err != nil {
					t.Fatalf("TryLock after the release: %v", err)
				}
				if err := unlock(ctx); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestLoaderAdaptersLoadOnceThenHit(t *testing.T) {
	addr := testserver.Redis(t)
	ctx := context.Background()
	for store, impls := range map[string][]loaderImpl{"memory": memoryLoaders(), "redis": redisLoaders(addr)} {
		for _, im := range impls {
			t.Run(store+"/"+im.name, func(t *testing.T) {
				var loads atomic.Int64
				l := im.make(t, func(_ context.Context, key string) (string, error) {
					loads.Add(1)
					return "value of " + key, nil
				})
				t.Cleanup(func() {
					if store == "redis" {
						flushRedis(t, addr)
					}
				})
				_, cacheGet := l.(client.CachekitCacheGet) // Cache.Get does not load
				if !cacheGet {
					for range 2 {
						if v, err := l.Get(ctx, "loaded"); v != "value of loaded" || err != nil {
							t.Fatalf("Get of a missing key: %q, %v", v, err)
						}
					}
				}
				if err := l.Set(ctx, "written", "value of written"); err != nil {
					t.Fatal(err)
				}
				if _, err := l.Get(ctx, "written"); err != nil { // warms rueidisaside's client-side cache
					t.Fatal(err)
				}
				if v, err := l.Get(ctx, "written"); v != "value of written" || err != nil {
					t.Fatalf("Get of a written key: %q, %v", v, err)
				}
				// Close waits for cachekit's refreshes: a written value is
				// young, and its hits start none.
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				switch n := loads.Load(); {
				case cacheGet && n != 0:
					t.Fatalf("%d loads through Cache.Get", n)
				case im.name == "cachekit-production" && n < 1:
					// Its StoreTimeout (250 ms) and FailOpen load from fn
					// when a store call outlasts it, as on a machine that
					// stalls the test's goroutines that long.
					t.Fatalf("%d loads, want at least 1", n)
				case !cacheGet && im.name != "cachekit-production" && n != 1:
					t.Fatalf("%d loads, want 1", n)
				}
			})
		}
	}
}

// TestHotKeyAdaptersExpireOrRefreshAhead checks what BenchmarkLoaderHotKey
// assumes of each loader: without refresh-ahead, a Get of an expired value
// waits for its load; with it, a Get of a value older than refreshAfter
// returns that value while the reload runs, and the reload's value comes
// next. The loads after the first wait for the test's word.
func TestHotKeyAdaptersExpireOrRefreshAhead(t *testing.T) {
	addr := testserver.Redis(t)
	t.Cleanup(func() { flushRedis(t, addr) })
	for store, impls := range map[string][]hotKeyImpl{"memory": hotMemoryImpls(), "redis": hotRedisImpls(addr)} {
		for _, im := range impls {
			t.Run(store+"/"+im.name, func(t *testing.T) { t.Parallel(); checkHotKey(t, im) })
		}
	}
}

// checkHotKey is TestHotKeyAdaptersExpireOrRefreshAhead of one loader.
func checkHotKey(t *testing.T, im hotKeyImpl) {
	var (
		gen    atomic.Int64
		called = make(chan struct{}, 1)
		gate   = make(chan struct{})
		key    = "hot-" + im.name
	)
	load := func(ctx context.Context, _ string) (string, error) {
		n := gen.Add(1)
		select {
		case called <- struct{}{}:
		default:
		}
		if n > 1 {
			select {
			case <-gate:
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		return fmt.Sprint("value ", n), nil
	}
	ttl, refreshAfter := 150*time.Millisecond, time.Duration(0)
	if im.refresh {
		ttl, refreshAfter = time.Minute, 100*time.Millisecond
	}
	l := im.make(t, load, ttl, refreshAfter)
	opened := false
	t.Cleanup(func() {
		if !opened {
			close(gate)
		}
		_ = l.Close()
	})
	ctx := context.Background()
	if v, err := l.Get(ctx, key); v != "value 1" || err != nil {
		t.Fatalf("first Get: %q, %v", v, err)
	}
	<-called
	// The value gets older than refreshAfter (refreshing loaders)
	// or than its TTL (the others).
	time.Sleep(200 * time.Millisecond)
	type result struct {
		v   string
		err error
	}
	got := make(chan result, 1)
	go func() {
		v, err := l.Get(ctx, key)
		got <- result{v, err}
	}()
	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatal("no reload started")
	}
	if im.refresh {
		select {
		case r := <-got:
			if r.v != "value 1" || r.err != nil {
				t.Fatalf("Get during the refresh: %q, %v; want the old value", r.v, r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Get waited for the refresh")
		}
	}
	close(gate)
	opened = true
	if !im.refresh {
		if r := <-got; r.v != "value 2" || r.err != nil {
			t.Fatalf("Get of an expired value: %q, %v; want the load's", r.v, r.err)
		}
		return
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		v, err := l.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if v != "value 1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refresh never replaced the value")
		}
	}
}

func TestCountingRueidisCountsEachCall(t *testing.T) {
	addr := testserver.Redis(t)
	t.Cleanup(func() { flushRedis(t, addr) })
	c := client.NewCountingRueidis(newRueidis(t, addr))
	defer c.Close()
	ctx := context.Background()
	if err := c.Do(ctx, c.B().Set().Key("counted").Value("v").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.DoMulti(ctx, c.B().Get().Key("counted").Build(), c.B().Pttl().Key("counted").Build()) {
		if err := r.Error(); err != nil {
			t.Fatal(err)
		}
	}
	if trips, cmds := c.Counts(); trips != 2 || cmds != 3 {
		t.Fatalf("%d round trips of %d commands, want 2 of 3", trips, cmds)
	}
}

func TestHookAdaptersObserveTheCache(t *testing.T) {
	for i, named := range hookImpls(nil, nil) {
		t.Run(named.name, func(t *testing.T) {
			p, prom := newOtelProviders(t), cachekitprom.NewCollector()
			im := hookImpls(p, prom)[i]
			checkKV(t, client.KV[int](im.make(t)), 7, 0)
			var seen float64
			switch {
			case strings.Contains(im.name, "otel"):
				var rm metricdata.ResourceMetrics
				if err := p.reader.Collect(context.Background(), &rm); err != nil {
					t.Fatal(err)
				}
				for _, sm := range rm.ScopeMetrics {
					for _, m := range sm.Metrics {
						if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "cachekit.operations" {
							for _, dp := range sum.DataPoints {
								seen += float64(dp.Value)
							}
						}
					}
				}
			case strings.Contains(im.name, "prometheus"):
				seen = float64(testutil.CollectAndCount(prom, "cachekit_operations_total"))
			default:
				return // no hook, or one that counts nothing
			}
			if seen == 0 {
				t.Fatal("the hook saw no operation")
			}
		})
	}
}
