// Package hooktest holds what the tests of contrib/otel and
// contrib/prometheus share: caches on a memory store, observed by the hook
// under test, and a clock that the tests move by hand.
package hooktest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
)

// NewCache returns a cache of namespace ns on a memory store (or on wrap
// of it), observed by hooks. The store is closed when t ends.
func NewCache(t *testing.T, ns string, wrap func(cache.Store) cache.Store, hooks ...cache.Hook) *cache.Cache[string, string] {
	t.Helper()
	st := memory.New(memory.Options{})
	t.Cleanup(func() { _ = st.Close() })
	var store cache.Store = st
	if wrap != nil {
		store = wrap(st)
	}
	return cache.Must(cache.New(store, cache.Options[string, string]{Namespace: ns, Hooks: hooks}))
}

// Clock is a memory store's clock that tests move by hand, to age values
// without sleeping.
type Clock struct{ offset atomic.Int64 }

// NewClock returns a clock at the time of day.
func NewClock() *Clock { return &Clock{} }

func (c *Clock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves c by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// NewCache returns a cache of namespace ns on a memory store on c,
// observed by hooks.
func (c *Clock) NewCache(t *testing.T, ns string, hooks ...cache.Hook) *cache.Cache[string, string] {
	t.Helper()
	st := memory.New(memory.Options{Clock: c.now})
	t.Cleanup(func() { _ = st.Close() })
	return cache.Must(cache.New(st, cache.Options[string, string]{Namespace: ns, Hooks: hooks}))
}
