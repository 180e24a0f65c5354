// Package cachetest is the conformance suite of cachekit's stores: the
// behaviour that every cache.Store must have (see SEMANTICS), checked
// through cache.Cache. The memory, Redis (standalone and Cluster) and
// memcached stores all run it, and package lock/locktest runs the locks on
// the same Harness. Run it on your own store with
//
//	func TestConformance(t *testing.T) {
//		h := cachetest.Harness{
//			New: func(t testing.TB) cache.Store { return mystore.New(...) },
//		}
//		cachetest.Run(t, h)
//		locktest.Run(t, h)
//	}
//
// The suite adapts to what the store implements of the optional
// interfaces of cache.Store: Increment is checked on an Incrementer, and
// the cross-namespace layout of keys on a store that is not a Namespacer.
// Every other operation must behave the same with or without the store's
// own implementation.
package cachetest

import (
	"testing"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// Harness tells the suite how to make stores of the kind under test.
type Harness struct {
	// New returns a new store instance on the backend under test. The
	// suite clears it (Clear with no namespace) before use and closes it
	// when the test ends. Required.
	New func(t testing.TB) cache.Store
	// Shared reports whether two stores made by New share their data (two
	// clients of one server). When it is false (the memory store) the
	// tests that need several instances on one backend use a single
	// instance instead.
	Shared bool
	// TTLResolution is the store's granularity of expiry: 0 for stores
	// with millisecond TTLs, time.Second for memcached. Expiry tests wait
	// accordingly.
	TTLResolution time.Duration
	// WriteRaw, if set, writes val under the backend key key with the
	// backend's own client, bypassing the store, so the suite can plant
	// foreign bytes. Tests that need it are skipped without it.
	WriteRaw func(t testing.TB, key string, val []byte)
	// DeleteRaw, if set, deletes the backend key key with the backend's own
	// client, bypassing the store, as another program would (redis-cli,
	// aiocache). Without it the suites delete through a store instance of
	// their own.
	DeleteRaw func(t testing.TB, key string)
	// WakeWithin is how promptly a Red lock waiter must learn of a release
	// (a median over rounds; the worst round may take four times as
	// long). A waiter that is woken goes on within milliseconds (Redis:
	// a round trip; memcached: a poll), one that is not waits out the
	// holder's lease, a minute in the suite: the bound tells the two apart
	// on a loaded machine, and is no measure of speed (the benchmarks
	// are). 0 means DefaultWakeWithin.
	WakeWithin time.Duration
	// Dead, if set, returns a store whose server has gone away after the
	// store was made (its connections closed, its port refusing new ones),
	// so the suite can check that every operation then fails promptly
	// with an error, never a hang, a panic or a wrong value.
	Dead func(t testing.TB) cache.Store
	// Slow, if set, returns a store whose server takes delay to answer
	// every request (through a proxy that holds its replies), so the suite
	// can check that operations return at their deadline, not when the
	// answer comes.
	Slow func(t testing.TB, delay time.Duration) cache.Store
	// ReadLag is how long a read through one store instance may still miss
	// a write or delete made through another: 0 for stores that read their
	// backend every time, a few milliseconds for a store with a near cache
	// kept coherent by invalidations (rueidis.Options.ClientSideCache).
	// Reads that follow another instance's write retry for that long; the
	// suite checks that they see it within it.
	ReadLag time.Duration
	// MaxValueSize is the largest value the store holds, in bytes, if it
	// has a limit that a test can reach (memcached's item size, 1 MiB by
	// default); 0 for none. With it, the suite checks that a larger value is
	// refused with cache.ErrTooLarge and loses nothing.
	MaxValueSize int
	// CompareBytes reports that the store's versions are the stored bytes
	// (Redis), not a counter of writes: CompareAndSwap then cannot tell a
	// value changed from A to B and back to A from one left alone, and the
	// suite does not check that it can.
	CompareBytes bool
}

// DefaultWakeWithin is the WakeWithin of a Harness that sets none.
const DefaultWakeWithin = 2 * time.Second

func (h Harness) wakeWithin() time.Duration {
	if h.WakeWithin > 0 {
		return h.WakeWithin
	}
	return DefaultWakeWithin
}

// Store returns a new, empty store of h (Clear with no namespace), closed
// when t ends. Suites built on this one (lock/locktest) use it.
func (h Harness) Store(t testing.TB) cache.Store {
	t.Helper()
	return h.store(t)
}

// Stores returns n store instances on one backend: n distinct instances
// when they share data, else the same instance n times. The first is
// empty.
func (h Harness) Stores(t testing.TB, n int) []cache.Store {
	t.Helper()
	return h.stores(t, n)
}

// ExpiryDeadline returns the time by which an entry written at written
// (taken before the write) with ttl must be gone from the stores of h: its
// TTL, two ticks of a coarse clock (memcached rounds a TTL up and reads an
// absolute expiry on a clock of its own) and 3s for a loaded machine.
func (h Harness) ExpiryDeadline(written time.Time, ttl time.Duration) time.Time {
	return written.Add(ttl + 2*h.TTLResolution + 3*time.Second)
}

// WakeWithinOrDefault is WakeWithin, or DefaultWakeWithin if it is 0.
func (h Harness) WakeWithinOrDefault() time.Duration { return h.wakeWithin() }

// incrementer reports whether s increments in place; only then does
// Cache.Increment work on it.
func incrementer(s cache.Store) bool {
	_, ok := s.(cache.Incrementer)
	return ok
}

// store returns a new, empty store that is closed when t ends.
func (h Harness) store(t testing.TB) cache.Store {
	t.Helper()
	s := h.New(t)
	if err := s.Clear(t.Context(), ""); err != nil {
		t.Fatalf("clearing a new store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// stores returns n store instances on one backend: n distinct instances
// when they share data, else the same instance n times.
func (h Harness) stores(t testing.TB, n int) []cache.Store {
	t.Helper()
	first := h.store(t)
	out := []cache.Store{first}
	for len(out) < n {
		if !h.Shared {
			out = append(out, first)
			continue
		}
		s := h.New(t)
		t.Cleanup(func() { _ = s.Close() })
		out = append(out, s)
	}
	return out
}

// Run runs the whole suite: keys, operations, expiry, bytes, hooks, errors
// and contexts.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("cachetest: Harness.New is nil")
	}
	t.Run("Keys", func(t *testing.T) { runKeys(t, h) })
	t.Run("Operations", func(t *testing.T) { runOperations(t, h) })
	t.Run("Expiry", func(t *testing.T) { runExpiry(t, h) })
	t.Run("Probe", func(t *testing.T) { runProbe(t, h) })
	t.Run("Serializers", func(t *testing.T) { runSerializers(t, h) })
	t.Run("Hooks", func(t *testing.T) { runHooks(t, h) })
	t.Run("Errors", func(t *testing.T) { runErrors(t, h) })
	t.Run("CancellationStorm", func(t *testing.T) { runCancellationStorm(t, h) })
	t.Run("ReusedBuffersNeverLeak", func(t *testing.T) { runReusedBuffers(t, h) })
	if h.MaxValueSize > 0 {
		t.Run("TooLargeValueIsRefusedAndLosesNothing", func(t *testing.T) { runTooLarge(t, h) })
	}
}
