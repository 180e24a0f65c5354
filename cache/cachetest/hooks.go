package cachetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// recorder is a Hook that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []cache.Event
}

func (r *recorder) Observe(_ context.Context, e cache.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) take() []cache.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func runHooks(t *testing.T, h Harness) {
	s := h.store(t)
	ctx := t.Context()
	var rec recorder
	c := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "h", Hooks: []cache.Hook{&rec}})

	steps := []struct {
		op           cache.Op
		run          func() error
		key          string
		keys         []string
		hits, misses int
		ok           bool
		fails        bool
	}{
		{op: cache.OpGet, key: "h:a", misses: 1, run: func() error { _, _, err := c.Get(ctx, "a"); return err }},
		{op: cache.OpSet, key: "h:a", run: func() error { return c.Set(ctx, "a", 1) }},
		{op: cache.OpGet, key: "h:a", hits: 1, run: func() error { _, _, err := c.Get(ctx, "a"); return err }},
		{op: cache.OpMultiSet, keys: []string{"h:b"}, run: func() error { return c.MultiSet(ctx, map[string]int{"b": 2}) }},
		{op: cache.OpMultiGet, keys: []string{"h:a", "h:b", "h:c"}, hits: 2, misses: 1, run: func() error { _, err := c.MultiGet(ctx, "a", "b", "c"); return err }},
		{op: cache.OpMultiGet, keys: []string{"h:a", "h:a", "h:c", "h:c", "h:a"}, hits: 1, misses: 1, run: func() error { _, err := c.MultiGet(ctx, "a", "a", "c", "c", "a"); return err }},
		{op: cache.OpAdd, key: "h:a", fails: true, run: func() error { return c.Add(ctx, "a", 3) }},
		{op: cache.OpExists, key: "h:c", misses: 1, run: func() error { _, err := c.Exists(ctx, "c"); return err }},
		{op: cache.OpExpire, key: "h:a", ok: true, run: func() error { _, err := c.Expire(ctx, "a", time.Hour); return err }},
		{op: cache.OpGetVersion, key: "h:a", hits: 1, run: func() error { _, _, _, err := c.GetVersion(ctx, "a"); return err }},
		{op: cache.OpCompareAndSwap, key: "h:a", ok: true, run: func() error { _, _, err := c.CompareAndSwap(ctx, "a", nil, 5); return err }},
		{op: cache.OpDelete, key: "h:a", ok: true, run: func() error { _, err := c.Delete(ctx, "a"); return err }},
		{op: cache.OpClear, key: "h", run: func() error { return c.Clear(ctx) }},
	}
	for _, st := range steps {
		before := time.Now()
		err := st.run()
		if st.fails {
			require.Error(t, err, st.op.String())
		} else {
			require.NoError(t, err, st.op.String())
		}
		events := rec.take()
		require.Len(t, events, 1, "one event per operation (%v)", st.op)
		e := events[0]
		assert.Equal(t, st.op, e.Op)
		assert.Equal(t, st.key, e.Key, st.op.String())
		if st.keys != nil {
			assert.ElementsMatch(t, st.keys, e.Keys, st.op.String())
		}
		assert.Equal(t, st.hits, e.Hits, "%v hits", st.op)
		assert.Equal(t, st.misses, e.Misses, "%v misses", st.op)
		assert.Equal(t, st.ok, e.Ok, "%v ok", st.op)
		assert.Equal(t, err, e.Err, "%v error", st.op)
		assert.False(t, e.Start.Before(before), "%v start", st.op)
		assert.Positive(t, e.Duration, "%v duration", st.op)
		assert.LessOrEqual(t, e.Duration, time.Since(before), "%v duration", st.op)
	}

	if incrementer(s) {
		require.NoError(t, func() error { _, err := c.Increment(ctx, "n", 1); return err }())
		e := rec.take()
		if assert.Len(t, e, 1) {
			assert.Equal(t, cache.OpIncrement, e[0].Op)
			assert.Equal(t, "h:n", e[0].Key)
		}
	}

	t.Run("ConcurrentCounting", func(t *testing.T) {
		var reads atomic.Int64
		counted := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "h", Hooks: []cache.Hook{
			cache.HookFunc(func(_ context.Context, e cache.Event) { reads.Add(int64(e.Hits + e.Misses)) }),
		}})
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 25 {
					if i%2 == 0 {
						_, _, _ = counted.Get(ctx, "b")
					} else {
						_, _, _ = counted.Get(ctx, "nope")
					}
				}
			}()
		}
		require.NoError(t, c.Set(ctx, "b", 2))
		rec.take()
		wg.Wait()
		assert.EqualValues(t, 200, reads.Load(), "every concurrent read is counted once")
	})
}
