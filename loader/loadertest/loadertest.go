// Package loadertest is the conformance suite of package loader on a store,
// on the Harness of package cache/cachetest:
//
//	cachetest.Run(t, h)
//	locktest.Run(t, h)
//	loadertest.Run(t, h)
package loadertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// Run runs the loader's suite on the stores of h.
func Run(t *testing.T, h cachetest.Harness) {
	if h.New == nil {
		t.Fatal("loadertest: Harness.New is nil")
	}
	t.Run("Loader", func(t *testing.T) {
		t.Run("OneLoadAcrossInstances", func(t *testing.T) { oneLoad(t, h) })
		t.Run("ErrorsAreSharedAndNotStored", func(t *testing.T) { errorsShared(t, h) })
		t.Run("NotFoundIsRememberedForMissTTL", func(t *testing.T) { notFoundRemembered(t, h) })
		t.Run("ImpatientCallerDoesNotCancelTheLoad", func(t *testing.T) { impatient(t, h) })
		t.Run("MultiGetBatchesOnlyTheMisses", func(t *testing.T) { batch(t, h) })
		t.Run("LoadLongerThanTheLeaseRunsOnce", func(t *testing.T) { longLoad(t, h) })
		t.Run("WriteOptionsApply", func(t *testing.T) { writeOptions(t, h) })
		t.Run("PanicReleasesTheLock", func(t *testing.T) { panics(t, h) })
		t.Run("UndecodableValueIsLoadedAgain", func(t *testing.T) { undecodable(t, h) })
		runProduction(t, h)
		runEdges(t, h)
	})
}

// shortTTL is a TTL that expires soon on the store: a tick on memcached.
func shortTTL(h cachetest.Harness) time.Duration {
	if h.TTLResolution > 0 {
		return h.TTLResolution
	}
	return 300 * time.Millisecond
}

// counter is a Hook that counts events per operation, and the misses of Get.
type counter struct {
	mu      sync.Mutex
	ops     map[cache.Op]int
	misses  int
	hits    int
	changed chan struct{} // receives after each event, without blocking
}

func newCounter() *counter {
	return &counter{ops: map[cache.Op]int{}, changed: make(chan struct{}, 1)}
}

func (c *counter) Observe(_ context.Context, e cache.Event) {
	c.mu.Lock()
	c.ops[e.Op]++
	c.hits += e.Hits
	c.misses += e.Misses
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *counter) count(op cache.Op) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ops[op]
}

func (c *counter) readCounts() (hits, misses int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// caches returns a Cache[string, string] with hooks on each of n instances
// of h, in namespace ns.
func caches(t *testing.T, h cachetest.Harness, n int, ns string, hooks ...cache.Hook) []*cache.Cache[string, string] {
	var out []*cache.Cache[string, string]
	for _, s := range h.Stores(t, n) {
		out = append(out, cachetest.NewCache[string, string](t, s, cache.Options[string, string]{Namespace: ns, Hooks: hooks}))
	}
	return out
}

func newLoader(t *testing.T, c *cache.Cache[string, string], fn func(context.Context, string) (string, error), opts loader.Options[string, string]) *loader.Loader[string, string] {
	t.Helper()
	l, err := loader.New(c, fn, opts)
	require.NoError(t, err)
	return l
}

// oneLoad: 40 goroutines on each of 3 instances ask for a cold key at once;
// fn runs once, after every caller has missed, and everyone gets its value.
func oneLoad(t *testing.T, h cachetest.Harness) {
	const perInstance = 40
	hooks := newCounter()
	cs := caches(t, h, 3, "one", hooks)
	var calls atomic.Int64
	fn := func(ctx context.Context, key string) (string, error) {
		calls.Add(1)
		// Hold the load until every caller has missed the cache: they are
		// all on the load path, not late.
		deadline := time.After(20 * time.Second)
		for {
			if _, misses := hooks.readCounts(); misses >= perInstance*len(cs) {
				return "value of " + key, nil
			}
			select {
			case <-hooks.changed:
			case <-deadline:
				return "", errors.New("not every caller missed")
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
	}
	loaders := make([]*loader.Loader[string, string], len(cs))
	for i, c := range cs {
		loaders[i] = newLoader(t, c, fn, loader.Options[string, string]{})
	}
	start := make(chan struct{})
	results := make(chan error, perInstance*len(cs))
	for _, l := range loaders {
		for range perInstance {
			go func() {
				<-start
				v, err := l.Get(t.Context(), "k")
				if err == nil && v != "value of k" {
					err = fmt.Errorf("got %q", v)
				}
				results <- err
			}()
		}
	}
	close(start)
	for range perInstance * len(cs) {
		assert.NoError(t, <-results)
	}
	assert.EqualValues(t, 1, calls.Load(), "times fn ran for one cold key")
	assert.Equal(t, 1, hooks.count(cache.OpLoad), "loads reported to the hooks")
	hits, misses := hooks.readCounts()
	assert.Equal(t, perInstance*len(cs), misses, "one miss per caller")
	assert.Zero(t, hits, "the loader's own reads are not the callers' hits")
	cachetest.AssertValue(t, cs[0], "k", "value of k")
}

func errorsShared(t *testing.T, h cachetest.Harness) {
	hooks := newCounter()
	c := caches(t, h, 1, "err", hooks)[0]
	boom := errors.New("database down")
	var calls atomic.Int64
	release := make(chan struct{})
	fn := func(context.Context, string) (string, error) {
		calls.Add(1)
		<-release
		return "", boom
	}
	l := newLoader(t, c, fn, loader.Options[string, string]{})
	const callers = 20
	errs := make(chan error, callers)
	for range callers {
		go func() { _, err := l.Get(t.Context(), "k"); errs <- err }()
	}
	// Every caller has missed the cache, and so is joining the flight.
	require.Eventually(t, func() bool { _, misses := hooks.readCounts(); return misses == callers }, 10*time.Second, time.Millisecond)
	close(release)
	for range callers {
		assert.ErrorIs(t, <-errs, boom, "every caller of the flight gets fn's error")
	}
	// A caller that missed but joined only after the flight ended starts
	// another (the error was not stored), so how many times fn ran
	// depends on the scheduler; oneLoad shows that callers share a flight.
	cachetest.AssertMissing(t, c, "k")
	before := calls.Load()
	_, err := l.Get(t.Context(), "k")
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, before+1, calls.Load(), "an error is not remembered: the next Get loads again")
}

func notFoundRemembered(t *testing.T, h cachetest.Harness) {
	cs := caches(t, h, 2, "nf")
	missTTL := shortTTL(h)
	var calls atomic.Int64
	fn := func(context.Context, string) (string, error) {
		calls.Add(1)
		return "", fmt.Errorf("no such user: %w", loader.ErrNotFound)
	}
	a := newLoader(t, cs[0], fn, loader.Options[string, string]{MissTTL: missTTL})
	b := newLoader(t, cs[1], fn, loader.Options[string, string]{MissTTL: missTTL})
	start := time.Now()
	_, err := a.Get(t.Context(), "k")
	assert.ErrorIs(t, err, loader.ErrNotFound)
	_, err = b.Get(t.Context(), "k")
	assert.ErrorIs(t, err, loader.ErrNotFound, "another instance sees the remembered absence")
	_, err = a.Get(t.Context(), "k")
	assert.ErrorIs(t, err, loader.ErrNotFound)
	if time.Since(start) < missTTL {
		assert.EqualValues(t, 1, calls.Load(), "fn ran again within MissTTL")
	}
	require.Eventually(t, func() bool {
		_, err := a.Get(t.Context(), "k")
		return errors.Is(err, loader.ErrNotFound) && calls.Load() >= 2
	}, missTTL+2*h.TTLResolution+5*time.Second, 20*time.Millisecond, "after MissTTL the key is loaded again")

	// Without MissTTL nothing is remembered.
	none := newLoader(t, cs[0], fn, loader.Options[string, string]{})
	before := calls.Load()
	_, _ = none.Get(t.Context(), "other")
	_, _ = none.Get(t.Context(), "other")
	assert.Equal(t, before+2, calls.Load())
}

func impatient(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "imp")[0]
	release := make(chan struct{})
	fnCtxErr := make(chan error, 1)
	fn := func(ctx context.Context, key string) (string, error) {
		<-release
		fnCtxErr <- ctx.Err()
		return "loaded", nil
	}
	l := newLoader(t, c, fn, loader.Options[string, string]{})
	patient := make(chan string, 1)
	go func() { v, _ := l.Get(t.Context(), "k"); patient <- v }()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := l.Get(ctx, "k")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// At its deadline: not when the load ends, which it never would before
	// release is closed below.
	assert.Less(t, time.Since(start), 5*time.Second, "the impatient caller returned at its deadline")
	close(release)
	assert.NoError(t, <-fnCtxErr, "fn's context ended with the impatient caller")
	assert.Equal(t, "loaded", <-patient, "the patient caller got the value")
}

func batch(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "batch")[0]
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "a", "cached a"))
	require.NoError(t, c.Set(ctx, "b", "cached b"))
	var asked [][]string
	var mu sync.Mutex
	l := newLoader(t, c, func(context.Context, string) (string, error) {
		return "", errors.New("fn must not run: Batch loads")
	}, loader.Options[string, string]{
		MissTTL: time.Minute,
		Batch: func(_ context.Context, keys []string) (map[string]string, error) {
			mu.Lock()
			asked = append(asked, slices.Sorted(slices.Values(keys)))
			mu.Unlock()
			out := map[string]string{}
			for _, k := range keys {
				if k != "none" {
					out[k] = "loaded " + k
				}
			}
			return out, nil
		},
	})
	got, err := l.MultiGet(ctx, "a", "b", "c", "d", "c", "none")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "cached a", "b": "cached b", "c": "loaded c", "d": "loaded d"}, got)
	assert.Equal(t, [][]string{{"c", "d", "none"}}, asked, "one Batch call, for the misses only")
	cachetest.AssertValue(t, c, "c", "loaded c")
	cachetest.AssertValue(t, c, "d", "loaded d")
	got, err = l.MultiGet(ctx, "c", "none")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"c": "loaded c"}, got)
	assert.Len(t, asked, 1, "nothing to load: c is cached and none's absence remembered")
}

func longLoad(t *testing.T, h cachetest.Harness) {
	cs := caches(t, h, 2, "long")
	// Extended every third of a second: only a stall of most of a second
	// loses the lock.
	lease := max(time.Second, h.TTLResolution)
	var calls atomic.Int64
	fn := func(ctx context.Context, key string) (string, error) {
		calls.Add(1)
		select {
		case <-time.After(3 * lease):
			return "slow value", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	first := newLoader(t, cs[0], fn, loader.Options[string, string]{Lease: lease})
	second := newLoader(t, cs[1], fn, loader.Options[string, string]{Lease: lease})
	firstDone := make(chan error, 1)
	go func() {
		v, err := first.Get(t.Context(), "k")
		if err == nil && v != "slow value" {
			err = fmt.Errorf("got %q", v)
		}
		firstDone <- err
	}()
	require.Eventually(t, func() bool { return calls.Load() == 1 }, 10*time.Second, time.Millisecond)
	time.Sleep(lease + lease/2) // past the first lease: only an extension keeps the lock
	v, err := second.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, "slow value", v, "the second instance waited for the load")
	require.NoError(t, <-firstDone)
	assert.EqualValues(t, 1, calls.Load(), "a load three leases long ran twice")
}

func writeOptions(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "write")[0]
	ttl := shortTTL(h)
	l := newLoader(t, c, func(context.Context, string) (string, error) { return "v", nil },
		loader.Options[string, string]{Write: []cache.WriteOption{cache.TTL(ttl)}})
	_, err := l.Get(t.Context(), "k")
	require.NoError(t, err)
	cachetest.AssertValue(t, c, "k", "v")
	require.Eventually(t, func() bool {
		_, found, err := c.Get(t.Context(), "k")
		return err == nil && !found
	}, ttl+2*h.TTLResolution+5*time.Second, 20*time.Millisecond, "the loaded value got the TTL of Options.Write")
}

func panics(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "panic")[0]
	l := newLoader(t, c, func(context.Context, string) (string, error) { panic("fn bug") }, loader.Options[string, string]{})
	r := func() (r any) {
		defer func() { r = recover() }()
		_, _ = l.Get(t.Context(), "k")
		return nil
	}()
	assert.Equal(t, "fn bug", r, "the panic is re-raised in the caller that ran fn")
	held, err := c.Exists(t.Context(), "k-lock")
	require.NoError(t, err)
	assert.False(t, held, "the lock was released after the panic")
	cachetest.AssertMissing(t, c, "k")
}

func undecodable(t *testing.T, h cachetest.Harness) {
	s := h.Store(t)
	c := cachetest.NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "dec", Serializer: jsonInts{}})
	raw := cachetest.NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "dec", Serializer: cachetest.RawBytes{}})
	require.NoError(t, raw.Set(t.Context(), "k", []byte("not a number")))
	l, err := loader.New(c, func(context.Context, string) (int, error) { return 7, nil }, loader.Options[string, int]{})
	require.NoError(t, err)
	v, err := l.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, 7, v)
	cachetest.AssertValue(t, c, "k", 7)
}

// jsonInts is a strict serializer of ints as decimal text, so that other
// bytes are undecodable on every store (the memory store would hold an int
// as it is without one).
type jsonInts struct{}

func (jsonInts) Marshal(v int) ([]byte, error) { return fmt.Appendf(nil, "%d", v), nil }
func (jsonInts) Unmarshal(b []byte) (int, error) {
	var v int
	_, err := fmt.Sscanf(string(b), "%d", &v)
	if err == nil && fmt.Sprint(v) != string(b) {
		err = errors.New("trailing bytes")
	}
	return v, err
}
