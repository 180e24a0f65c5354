package loader

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/memory"
)

// gatedStore is a remote-looking store (no cache.ValueStore) whose Get
// counts itself and waits for gate to be closed, or for its ctx.
type gatedStore struct {
	cache.Store
	gets atomic.Int32
	gate chan struct{}
}

func (s *gatedStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	s.gets.Add(1)
	select {
	case <-s.gate:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	return s.Store.Get(ctx, key)
}

// hitCounter counts the Get events reported to a cache's hooks.
type hitCounter struct{ gets, hits atomic.Int32 }

func (h *hitCounter) Observe(_ context.Context, e cache.Event) {
	if e.Op == cache.OpGet {
		h.gets.Add(1)
		h.hits.Add(int32(e.Hits))
	}
}

func newGated(t *testing.T, hooks ...cache.Hook) (*gatedStore, *Loader[string, string]) {
	t.Helper()
	mem := memory.New(memory.Options{})
	t.Cleanup(func() { _ = mem.Close() })
	st := &gatedStore{Store: cachetest.RequiredOnly(mem), gate: make(chan struct{})}
	c, err := cache.New(st, cache.Options[string, string]{Hooks: hooks})
	require.NoError(t, err)
	require.NoError(t, c.Set(t.Context(), "k", "v"))
	l, err := New(c, func(context.Context, string) (string, error) {
		t.Error("a hit loaded")
		return "", nil
	}, Options[string, string]{})
	require.NoError(t, err)
	require.NotNil(t, l.reads, "a store that is no ValueStore shares reads")
	return st, l
}

// readOf returns the read of key under way in l, once there is one.
func readOf(t *testing.T, l *Loader[string, string], key string) *read[string] {
	t.Helper()
	sh := &l.reads.shards[maphash.Comparable(l.reads.seed, key)%readShards]
	var rd *read[string]
	require.Eventually(t, func() bool {
		sh.mu.Lock()
		defer sh.mu.Unlock()
		rd = sh.m[key]
		return rd != nil
	}, 10*time.Second, time.Millisecond)
	return rd
}

// TestCallersOfAKeyShareTheReadUnderWay: 20 callers of one key while the
// first one's read is under way cost the store one Get, and the hooks still
// see 20 hits.
func TestCallersOfAKeyShareTheReadUnderWay(t *testing.T) {
	hooks := &hitCounter{}
	st, l := newGated(t, hooks)
	const callers = 20
	var wg sync.WaitGroup
	got := make([]string, callers)
	errs := make([]error, callers)
	get := func(i int) {
		defer wg.Done()
		got[i], errs[i] = l.Get(t.Context(), "k")
	}
	wg.Add(1)
	go get(0)
	rd := readOf(t, l, "k")
	for i := 1; i < callers; i++ {
		wg.Add(1)
		go get(i)
	}
	require.Eventually(t, func() bool { return rd.waiters.Load() == callers-1 }, 10*time.Second, time.Millisecond)
	close(st.gate)
	wg.Wait()
	for i := range callers {
		require.NoError(t, errs[i])
		assert.Equal(t, "v", got[i])
	}
	assert.EqualValues(t, 1, st.gets.Load(), "store Gets for %d callers", callers)
	assert.EqualValues(t, callers, hooks.gets.Load(), "Get events")
	assert.EqualValues(t, callers, hooks.hits.Load(), "hits")
}

// TestASharedReadCancelledByItsCallerIsReadAgain: the caller whose read
// the others wait for gives up; they read for themselves rather than take
// its context's error.
func TestASharedReadCancelledByItsCallerIsReadAgain(t *testing.T) {
	st, l := newGated(t)
	ctx, cancel := context.WithCancel(t.Context())
	leader := make(chan error, 1)
	go func() { _, err := l.Get(ctx, "k"); leader <- err }()
	rd := readOf(t, l, "k")
	follower := make(chan error, 1)
	var v string
	go func() {
		var err error
		v, err = l.Get(t.Context(), "k")
		follower <- err
	}()
	require.Eventually(t, func() bool { return rd.waiters.Load() == 1 }, 10*time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-leader, context.Canceled)
	close(st.gate)
	require.NoError(t, <-follower)
	assert.Equal(t, "v", v)
}

// TestReadsOfAValueStoreAreNotShared: the memory store answers faster than
// a caller could wait for another's read.
func TestReadsOfAValueStoreAreNotShared(t *testing.T) {
	mem := memory.New(memory.Options{})
	defer mem.Close()
	c, err := cache.New(mem, cache.Options[string, string]{})
	require.NoError(t, err)
	l, err := New(c, func(context.Context, string) (string, error) { return "", nil }, Options[string, string]{})
	require.NoError(t, err)
	assert.Nil(t, l.reads)
}
