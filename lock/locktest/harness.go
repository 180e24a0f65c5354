// Package locktest is the conformance suite of the locks of package lock on
// a store: lock.Red (the cache-stampede example across store instances,
// lease expiry, prompt wake-up, release by non-owners, Do's clean-up) and
// lock.Optimistic (CAS across instances, lock.Update). It runs on the
// Harness of package cache/cachetest:
//
//	func TestConformance(t *testing.T) {
//		h := cachetest.Harness{New: func(t testing.TB) cache.Store { return mystore.New() }}
//		cachetest.Run(t, h)
//		locktest.Run(t, h)
//	}
//
// The suite counts the goroutines that wait for a lock through a wrapper of
// each store, which watches keys with the store's cache.Watcher (or a
// cache.PollWatcher for a store that is not one) and counts the watches.
package locktest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
)

// Run runs the suite of both locks on the stores of h.
func Run(t *testing.T, h cachetest.Harness) {
	if h.New == nil {
		t.Fatal("locktest: Harness.New is nil")
	}
	t.Run("RedLock", func(t *testing.T) { runRedLock(t, h) })
	t.Run("RedWaitsForTheHolder", func(t *testing.T) { runRedWaitsForTheHolder(t, h) })
	t.Run("OptimisticLock", func(t *testing.T) { runOptimisticLock(t, h) })
	t.Run("RedFence", func(t *testing.T) { runFence(t, h) })
}

// watches counts the watches of each key of the stores that share it.
type watches struct {
	mu sync.Mutex
	n  map[string]int
}

func (w *watches) add(key string, d int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n[key] += d
	if w.n[key] == 0 {
		delete(w.n, key)
	}
}

func (w *watches) of(key string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[key]
}

// counted is a store whose watches are counted. It has the required methods
// of cache.Store, Watch and GetTTL (the store's own, or Get and no ttl, as
// a cache would do without it): caches on it use the fallbacks of the
// rest, which the locks do not need.
type counted struct {
	cache.Store
	w       cache.Watcher
	watches *watches
}

// countedNS is a counted store that is a cache.Namespacer too: its
// namespaces are counted stores with the same count.
type countedNS struct {
	*counted
	ns cache.Namespacer
}

// count wraps s so that its watches are counted in w.
func count(s cache.Store, w *watches) instance {
	watcher, ok := s.(cache.Watcher)
	if !ok {
		watcher = cache.PollWatcher(0)
	}
	c := &counted{Store: s, w: watcher, watches: w}
	if ns, ok := s.(cache.Namespacer); ok {
		return &countedNS{counted: c, ns: ns}
	}
	return c
}

// Watch watches key through the store and counts the watch until stop.
func (c *counted) Watch(ctx context.Context, key string) (<-chan struct{}, func(), error) {
	ch, stop, err := c.w.Watch(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	c.watches.add(key, 1)
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			stop()
			c.watches.add(key, -1)
		})
	}, nil
}

// GetTTL returns the store's GetTTL, or its Get and no ttl.
func (c *counted) GetTTL(ctx context.Context, key string) ([]byte, time.Duration, bool, error) {
	if t, ok := c.Store.(cache.TTLGetter); ok {
		return t.GetTTL(ctx, key)
	}
	val, found, err := c.Store.Get(ctx, key)
	return val, 0, found, err
}

// Namespace returns the counted store of namespace ns.
func (c *countedNS) Namespace(ns string) cache.Store { return count(c.ns.Namespace(ns), c.watches) }

func (c *counted) counts() *watches { return c.watches }

// instance is a counted store of the suite.
type instance interface {
	cache.Store
	cache.Watcher
	counts() *watches
}

// store returns a new, empty store of h, counted.
func store(t *testing.T, h cachetest.Harness) instance {
	return count(h.Store(t), &watches{n: map[string]int{}})
}

// stores returns n instances of h (see cachetest.Harness.Stores), each
// counted on its own; the same one n times when instances do not share
// data.
func stores(t *testing.T, h cachetest.Harness, n int) []instance {
	raw := h.Stores(t, n)
	var out []instance
	for i, s := range raw {
		if j := slices.Index(raw, s); j < i {
			out = append(out, out[j])
			continue
		}
		out = append(out, count(s, &watches{n: map[string]int{}}))
	}
	return out
}

// waiting returns how many goroutines wait on lockKey over stores.
func waiting(stores []instance, lockKey string) int {
	n := 0
	var seen []*watches
	for _, s := range stores {
		if w := s.counts(); !slices.Contains(seen, w) {
			seen = append(seen, w)
			n += w.of(lockKey)
		}
	}
	return n
}

// awaitWaiters blocks until n goroutines wait on lockKey over stores and
// reports whether they did within d.
func awaitWaiters(stores []instance, lockKey string, n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for waiting(stores, lockKey) < n {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
