package loadertest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/loader"
)

// runProduction runs the tests of the options for production: TTLs,
// refresh-ahead, stale values, fail-open.
func runProduction(t *testing.T, h cachetest.Harness) {
	t.Run("TTLAndTTLFuncDecidePerValue", func(t *testing.T) { ttlFunc(t, h) })
	t.Run("JitterSpreadsLoadedTTLs", func(t *testing.T) { jitter(t, h) })
	if !knowsTTL(t, h) {
		// Ages are unknown: the options that need them are refused.
		t.Run("AgesNeedAStoreThatTellsTTLs", func(t *testing.T) { agesUnknown(t, h) })
	} else {
		runAges(t, h)
	}
	t.Run("FailOpenServesFnWhenTheStoreFails", func(t *testing.T) { failOpen(t, h) })
	t.Run("StoreTimeoutBoundsASlowStore", func(t *testing.T) { storeTimeout(t, h) })
	t.Run("WithoutFailOpenStoreErrorsAreReturned", func(t *testing.T) { failClosed(t, h) })
}

// knowsTTL reports whether the stores of h tell how long keys have left.
func knowsTTL(t *testing.T, h cachetest.Harness) bool {
	return caches(t, h, 1, "kt")[0].KnowsTTL()
}

func agesUnknown(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "au")[0]
	fn := func(context.Context, string) (string, error) { return "v", nil }
	for _, opts := range []loader.Options[string, string]{{TTL: time.Minute, RefreshAfter: time.Second}, {StaleFor: time.Minute}} {
		_, err := loader.New(c, fn, opts)
		assert.ErrorIs(t, err, errors.ErrUnsupported, "%+v", opts)
	}
}

// runAges runs the tests of the options that need values' ages.
func runAges(t *testing.T, h cachetest.Harness) {
	t.Run("RefreshAheadReloadsOnceAcrossInstances", func(t *testing.T) { refreshOnce(t, h) })
	t.Run("RefreshKeepsAWriteMadeMeanwhile", func(t *testing.T) { refreshYields(t, h) })
	t.Run("LateRefreshFindsTheValueYoungAndSkips", func(t *testing.T) { refreshLate(t, h) })
	t.Run("FailedRefreshKeepsTheOldValue", func(t *testing.T) { refreshFails(t, h) })
	t.Run("TTLFuncTellsTheAgeOfAValue", func(t *testing.T) { refreshByTTLFunc(t, h) })
	t.Run("StaleValueServedWhenTheReloadFails", func(t *testing.T) { staleOnError(t, h) })
	t.Run("StaleValueServedAtLoadTimeout", func(t *testing.T) { staleOnTimeout(t, h) })
	t.Run("NotFoundRemovesTheStaleValue", func(t *testing.T) { staleNotFound(t, h) })
}

// unit is the time step of these tests: a second on a store whose clock
// ticks in seconds (memcached), 100ms elsewhere. TTLs are many units long,
// so that a store's rounding never moves a value from one state to
// another.
func unit(h cachetest.Harness) time.Duration {
	return max(h.TTLResolution, 100*time.Millisecond)
}

// ttlLeft returns the time key of c has left, read from the store.
func ttlLeft(t *testing.T, c *cache.Cache[string, string], key string) (time.Duration, bool) {
	t.Helper()
	p, err := c.Probe(t.Context(), cache.Probe{TTL: true}, c.Key(key))
	require.NoError(t, err)
	return p.TTL, p.Found
}

func ttlFunc(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "ttl")[0]
	u := unit(h)
	fn := func(_ context.Context, key string) (string, error) { return key, nil }
	l := newLoader(t, c, fn, loader.Options[string, string]{
		TTL:   time.Hour, // takes precedence over Write's
		Write: []cache.WriteOption{cache.TTL(time.Minute)},
		TTLFunc: func(key, _ string) time.Duration {
			switch key {
			case "short":
				return 50 * u
			case "forever":
				return -1
			case "partial":
				return 0
			}
			return 0
		},
	})
	for _, key := range []string{"short", "forever", "partial"} {
		v, err := l.Get(t.Context(), key)
		require.NoError(t, err)
		assert.Equal(t, key, v, "the callers get the value whatever its TTL")
	}
	cachetest.AssertValue(t, c, "short", "short")
	cachetest.AssertValue(t, c, "forever", "forever")
	cachetest.AssertMissing(t, c, "partial") // TTLFunc 0: returned, not stored
	plain := newLoader(t, c, fn, loader.Options[string, string]{TTL: 40 * u, Write: []cache.WriteOption{cache.TTL(time.Minute)}})
	_, err := plain.Get(t.Context(), "plain")
	require.NoError(t, err)
	if !c.KnowsTTL() {
		return // the store does not tell the TTLs written
	}
	ttl, found := ttlLeft(t, c, "short")
	require.True(t, found)
	assert.InDelta(t, float64(50*u), float64(ttl), float64(5*u), "TTLFunc's TTL")
	ttl, found = ttlLeft(t, c, "forever")
	require.True(t, found)
	assert.Zero(t, ttl, "a TTLFunc below 0: no expiry")
	ttl, _ = ttlLeft(t, c, "plain")
	assert.InDelta(t, float64(40*u), float64(ttl), float64(5*u), "Options.TTL over Write's")
}

func jitter(t *testing.T, h cachetest.Harness) {
	s := h.Store(t)
	c := cachetest.NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "jit", Jitter: 0.5})
	l := newLoader(t, c, func(_ context.Context, key string) (string, error) { return key, nil },
		loader.Options[string, string]{TTL: 100 * time.Second})
	const n = 40
	keys := make([]string, n)
	for i := range keys {
		keys[i] = string(rune('a'+i%26)) + string(rune('0'+i/26))
	}
	got, err := l.MultiGet(t.Context(), keys[:n/2]...) // loaded without Batch: one Set each
	require.NoError(t, err)
	require.Len(t, got, n/2)
	for _, k := range keys[n/2:] {
		_, err := l.Get(t.Context(), k)
		require.NoError(t, err)
	}
	if !c.KnowsTTL() {
		return // the store does not tell the TTLs written
	}
	var lo, hi time.Duration = time.Hour, 0
	for _, k := range keys {
		ttl, found := ttlLeft(t, c, k)
		require.True(t, found, k)
		assert.True(t, ttl > 45*time.Second && ttl <= 152*time.Second, "%s: TTL %v outside 100s ± 50%%", k, ttl)
		lo, hi = min(lo, ttl), max(hi, ttl)
	}
	// 40 uniform draws over [50s, 150s] spanning less than 40s would be
	// far from uniform; exact TTLs span a second or two.
	assert.Greater(t, hi-lo, 40*time.Second, "loaded keys' TTLs spread by the cache's Jitter")
}

// gate is a fn whose calls wait until it is opened, and what they return
// then.
type gate struct {
	calls  atomic.Int64
	open   chan struct{}
	called chan struct{} // receives a value per call, without blocking
	val    string
	err    error
}

func newGate(val string, err error) *gate {
	return &gate{open: make(chan struct{}), called: make(chan struct{}, 100), val: val, err: err}
}

func (g *gate) fn(ctx context.Context, _ string) (string, error) {
	g.calls.Add(1)
	g.called <- struct{}{}
	select {
	case <-g.open:
		return g.val, g.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// awaitCall waits for a call of g, or fails t.
func (g *gate) awaitCall(t *testing.T) {
	t.Helper()
	select {
	case <-g.called:
	case <-time.After(20 * time.Second):
		t.Fatal("fn was not called")
	}
}

// events is a hook that hands on every event of one op.
type events struct {
	op cache.Op
	ch chan cache.Event
}

func newEvents(op cache.Op) *events { return &events{op: op, ch: make(chan cache.Event, 100)} }

func (e *events) Observe(_ context.Context, ev cache.Event) {
	if ev.Op == e.op {
		e.ch <- ev
	}
}

// next returns the next event, or fails t.
func (e *events) next(t *testing.T) cache.Event {
	t.Helper()
	select {
	case ev := <-e.ch:
		return ev
	case <-time.After(20 * time.Second):
		t.Fatalf("no %v event", e.op)
		return cache.Event{}
	}
}

// refreshOptions are the options of the refresh and stale tests: values
// live 20 units, are due for a refresh after 4, and are kept stale 10
// more.
func refreshOptions(h cachetest.Harness) loader.Options[string, string] {
	u := unit(h)
	return loader.Options[string, string]{TTL: 20 * u, RefreshAfter: 4 * u, StaleFor: 10 * u}
}

// writeAged writes v under key as a value loaded age ago would be (with
// the time left that it would have then).
func writeAged(t *testing.T, c *cache.Cache[string, string], opts loader.Options[string, string], key, v string, age time.Duration) {
	t.Helper()
	require.NoError(t, c.Set(t.Context(), key, v, cache.TTL(opts.TTL+opts.StaleFor-age)))
}

func refreshOnce(t *testing.T, h cachetest.Harness) {
	refreshes := newEvents(cache.OpRefresh)
	cs := caches(t, h, 2, "ra", refreshes)
	opts := refreshOptions(h)
	writeAged(t, cs[0], opts, "k", "old", 8*unit(h)) // due for a refresh
	g := newGate("new", nil)
	loaders := []*loader.Loader[string, string]{newLoader(t, cs[0], g.fn, opts), newLoader(t, cs[1], g.fn, opts)}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := loaders[i%2].Get(t.Context(), "k")
			assert.NoError(t, err)
			assert.Equal(t, "old", v, "a hit due for a refresh returns the value it found, at once")
		}()
	}
	wg.Wait() // every caller got the old value while fn has not returned
	g.awaitCall(t)
	close(g.open)
	// Refreshes that found the key's lock taken were skipped (Ok false);
	// the one that took it writes.
	for e := refreshes.next(t); !e.Ok; e = refreshes.next(t) {
		require.NoError(t, e.Err)
	}
	assert.EqualValues(t, 1, g.calls.Load(), "fn ran once for the refresh, across instances")
	cachetest.AssertValue(t, cs[1], "k", "new")
	ttl, _ := ttlLeft(t, cs[1], "k")
	assert.Greater(t, ttl, opts.TTL, "the refreshed value has a whole TTL and StaleFor again")
	v, err := loaders[1].Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "new", v)
}

// holdFirst is a StartHook that holds the first start of an op until
// released, and lets every other through.
type holdFirst struct {
	op       cache.Op
	seen     atomic.Bool
	held     chan struct{} // closed when the first start is held
	released chan struct{}
}

func (h *holdFirst) Observe(context.Context, cache.Event) {}

func (h *holdFirst) Start(ctx context.Context, op cache.Op, _ string) context.Context {
	if op == h.op && h.seen.CompareAndSwap(false, true) {
		close(h.held)
		<-h.released
	}
	return ctx
}

// refreshLate: a refresh that starts after another instance's refresh of
// the same key wrote (its goroutine was late) finds the value young again
// and runs fn no more.
func refreshLate(t *testing.T, h cachetest.Harness) {
	refreshes := newEvents(cache.OpRefresh)
	hold := &holdFirst{op: cache.OpRefresh, held: make(chan struct{}), released: make(chan struct{})}
	cs := caches(t, h, 2, "rl", refreshes, hold)
	opts := refreshOptions(h)
	writeAged(t, cs[0], opts, "k", "old", 8*unit(h)) // due for a refresh
	g := newGate("new", nil)
	close(g.open)
	late, early := newLoader(t, cs[0], g.fn, opts), newLoader(t, cs[1], g.fn, opts)

	v, err := late.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "old", v)
	<-hold.held // late's refresh waits to start
	v, err = early.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "old", v)
	e := refreshes.next(t)
	require.NoError(t, e.Err)
	require.True(t, e.Ok, "the early refresh wrote")
	require.EqualValues(t, 1, g.calls.Load())

	close(hold.released)
	e = refreshes.next(t)
	assert.NoError(t, e.Err)
	assert.False(t, e.Ok, "the late refresh wrote nothing")
	assert.EqualValues(t, 1, g.calls.Load(), "fn ran once: the late refresh found the value young")
	cachetest.AssertValue(t, cs[1], "k", "new")
}

// refreshByTTLFunc: with a TTLFunc, a value's age is told by its own TTL:
// one 10 units into the 100 that TTLFunc gives it is due for a refresh
// (RefreshAfter 4), where the loader's TTL (10) would make it young.
func refreshByTTLFunc(t *testing.T, h cachetest.Harness) {
	refreshes := newEvents(cache.OpRefresh)
	c := caches(t, h, 1, "rt", refreshes)[0]
	u := unit(h)
	opts := loader.Options[string, string]{TTL: 10 * u, RefreshAfter: 4 * u,
		TTLFunc: func(string, string) time.Duration { return 100 * u }}
	require.NoError(t, c.Set(t.Context(), "k", "old", cache.TTL(90*u)))
	e := hitAndRefresh(t, c, refreshes, opts, newGate("new", nil))
	require.NoError(t, e.Err)
	assert.True(t, e.Ok, "the value was refreshed")
	cachetest.AssertValue(t, c, "k", "new")
}

// hitAndRefresh gets "k", due for a refresh, through a loader of c with
// opts that loads with g (opened first): the Get returns "old" at once,
// and hitAndRefresh returns the event of the refresh it started.
func hitAndRefresh(t *testing.T, c *cache.Cache[string, string], refreshes *events, opts loader.Options[string, string], g *gate) cache.Event {
	t.Helper()
	close(g.open)
	l := newLoader(t, c, g.fn, opts)
	v, err := l.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "old", v)
	return refreshes.next(t)
}

func refreshYields(t *testing.T, h cachetest.Harness) {
	refreshes := newEvents(cache.OpRefresh)
	c := caches(t, h, 1, "ry", refreshes)[0]
	opts := refreshOptions(h)
	writeAged(t, c, opts, "k", "old", 8*unit(h))
	g := newGate("reloaded", nil)
	l := newLoader(t, c, g.fn, opts)
	v, err := l.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "old", v)
	g.awaitCall(t)
	require.NoError(t, c.Set(t.Context(), "k", "written meanwhile"))
	close(g.open)
	e := refreshes.next(t)
	assert.False(t, e.Ok, "the refresh did not write over a newer value")
	assert.NoError(t, e.Err)
	cachetest.AssertValue(t, c, "k", "written meanwhile")
}

func refreshFails(t *testing.T, h cachetest.Harness) {
	refreshes := newEvents(cache.OpRefresh)
	c := caches(t, h, 1, "rf", refreshes)[0]
	opts := refreshOptions(h)
	writeAged(t, c, opts, "k", "old", 8*unit(h))
	boom := errors.New("database down")
	e := hitAndRefresh(t, c, refreshes, opts, newGate("", boom))
	assert.ErrorIs(t, e.Err, boom, "the refresh's error is reported")
	assert.False(t, e.Ok)
	cachetest.AssertValue(t, c, "k", "old")
}

func staleOnError(t *testing.T, h cachetest.Harness) {
	loads := newEvents(cache.OpLoad)
	c := caches(t, h, 1, "se", loads)[0]
	opts := refreshOptions(h)
	writeAged(t, c, opts, "k", "stale", 25*unit(h)) // past its TTL, in its StaleFor
	g := newGate("", errors.New("database down"))
	close(g.open)
	l := newLoader(t, c, g.fn, opts)
	v, err := l.Get(t.Context(), "k")
	require.NoError(t, err, "a stale value instead of fn's error")
	assert.Equal(t, "stale", v)
	assert.EqualValues(t, 1, g.calls.Load(), "a stale value is reloaded")
	e := loads.next(t)
	assert.True(t, e.Stale, "the load says a stale value was served")
	assert.Error(t, e.Err)
	cachetest.AssertValue(t, c, "k", "stale")

	// Without StaleFor, a value past its TTL is gone: fn's error is the
	// caller's.
	none := newLoader(t, c, g.fn, loader.Options[string, string]{})
	_, err = none.Get(t.Context(), "other")
	assert.Error(t, err)
}

func staleOnTimeout(t *testing.T, h cachetest.Harness) {
	loads := newEvents(cache.OpLoad)
	c := caches(t, h, 1, "st", loads)[0]
	opts := refreshOptions(h)
	opts.LoadTimeout = 50 * time.Millisecond
	writeAged(t, c, opts, "k", "stale", 25*unit(h))
	g := newGate("fresh", nil)
	l := newLoader(t, c, g.fn, opts)
	start := time.Now()
	v, err := l.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "stale", v)
	// At LoadTimeout: fn never returns before the gate opens below.
	assert.Less(t, time.Since(start), 10*time.Second, "the stale value came at LoadTimeout, not with fn's")
	close(g.open) // the reload goes on in the background, and writes
	e := loads.next(t)
	assert.NoError(t, e.Err)
	assert.True(t, e.Stale, "the load says a stale value was served")
	// The event comes as fn returns; the write follows.
	require.Eventually(t, func() bool {
		v, found, err := c.Get(t.Context(), "k")
		return err == nil && found && v == "fresh"
	}, 10*time.Second, 5*time.Millisecond, "the reload stored its value in the background")
	assert.EqualValues(t, 1, g.calls.Load())
}

func staleNotFound(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "sn")[0]
	opts := refreshOptions(h)
	writeAged(t, c, opts, "k", "stale", 25*unit(h))
	l := newLoader(t, c, func(context.Context, string) (string, error) { return "", loader.ErrNotFound }, opts)
	_, err := l.Get(t.Context(), "k")
	assert.ErrorIs(t, err, loader.ErrNotFound, "ErrNotFound is no failure: the value is gone")
	cachetest.AssertMissing(t, c, "k")
}

// flaky is a store that fails every call while down is set, and counts
// the calls it failed.
type flaky struct {
	cache.Store
	down   atomic.Bool
	failed atomic.Int64
	slow   bool // instead of failing, wait for ctx
}

var errDown = errors.New("flaky: the store is down")

func (f *flaky) fail(ctx context.Context) error {
	if !f.down.Load() {
		return nil
	}
	f.failed.Add(1)
	if f.slow {
		<-ctx.Done()
		return ctx.Err()
	}
	return errDown
}

func (f *flaky) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := f.fail(ctx); err != nil {
		return nil, false, err
	}
	return f.Store.Get(ctx, key)
}

func (f *flaky) GetVersion(ctx context.Context, key string) ([]byte, cache.Version, bool, error) {
	if err := f.fail(ctx); err != nil {
		return nil, nil, false, err
	}
	return f.Store.GetVersion(ctx, key)
}

func (f *flaky) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := f.fail(ctx); err != nil {
		return err
	}
	return f.Store.Set(ctx, key, val, ttl)
}

func (f *flaky) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if err := f.fail(ctx); err != nil {
		return false, err
	}
	return f.Store.Add(ctx, key, val, ttl)
}

func flakyLoader(t *testing.T, h cachetest.Harness, f *flaky, ns string, opts loader.Options[string, string], calls *atomic.Int64) (*loader.Loader[string, string], *cache.Cache[string, string]) {
	f.Store = h.Store(t)
	c := cachetest.NewCache[string, string](t, f, cache.Options[string, string]{Namespace: ns})
	l := newLoader(t, c, func(_ context.Context, key string) (string, error) {
		calls.Add(1)
		return "from fn " + key, nil
	}, opts)
	return l, c
}

func failOpen(t *testing.T, h cachetest.Harness) {
	f := &flaky{}
	var calls atomic.Int64
	l, c := flakyLoader(t, h, f, "fo", loader.Options[string, string]{FailOpen: true}, &calls)
	require.NoError(t, c.Set(t.Context(), "cached", "from the store"))
	f.down.Store(true)
	for i := range 20 {
		v, err := l.Get(t.Context(), "k")
		require.NoError(t, err, "call %d", i)
		assert.Equal(t, "from fn k", v)
	}
	// The first call found the store failing and opened the breaker: the
	// others skipped the store, but for a probe a second. 20 calls take
	// far less than the 10s it would take two probes to exceed 10.
	assert.Less(t, f.failed.Load(), int64(10), "store calls during the outage")
	got, err := l.MultiGet(t.Context(), "a", "b")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "from fn a", "b": "from fn b"}, got)

	f.down.Store(false)
	require.Eventually(t, func() bool {
		v, err := l.Get(t.Context(), "cached")
		return err == nil && v == "from the store"
	}, 10*time.Second, 20*time.Millisecond, "the store is used again once it answers")
}

func storeTimeout(t *testing.T, h cachetest.Harness) {
	f := &flaky{slow: true}
	var calls atomic.Int64
	l, _ := flakyLoader(t, h, f, "sto", loader.Options[string, string]{FailOpen: true, StoreTimeout: 50 * time.Millisecond}, &calls)
	f.down.Store(true)
	start := time.Now()
	v, err := l.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "from fn k", v)
	// The store never answers: without StoreTimeout, the call would wait
	// for its ctx (the test's, minutes).
	assert.Less(t, time.Since(start), 10*time.Second)
}

func failClosed(t *testing.T, h cachetest.Harness) {
	f := &flaky{}
	var calls atomic.Int64
	l, _ := flakyLoader(t, h, f, "fc", loader.Options[string, string]{}, &calls)
	f.down.Store(true)
	_, err := l.Get(t.Context(), "k")
	assert.ErrorIs(t, err, errDown)
	assert.Zero(t, calls.Load(), "fn does not run when the store fails without FailOpen")
}
