package lock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

// newMemory returns a memory store closed when t ends.
func newMemory(t testing.TB, opts memory.Options) *memory.Store {
	s := memory.New(opts)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newStringCache returns a Cache[string, string] on a new memory store.
func newStringCache(t testing.TB) *cache.Cache[string, string] {
	return cache.Must(cache.New(newMemory(t, memory.Options{}), cache.Options[string, string]{}))
}

// fakeClock is a clock for memory.Options.Clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// receive returns the next value of ch, or fails t after d.
func receive[T any](t testing.TB, ch <-chan T, d time.Duration) T {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		var zero T
		require.FailNow(t, "timed out", "nothing received within %v", d)
		return zero
	}
}
