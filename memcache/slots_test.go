package memcache

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// TestSlotsBoundTheCallsInFlight runs many more callers than slots, a
// third of whom give up while they wait (their ctx is cancelled by
// another goroutine at any moment), and checks that no more than max ever
// hold a slot at once, that every caller that got no slot saw its ctx's
// error, and that every slot is free at the end: max are taken at once
// without waiting, and one more waits.
func TestSlotsBoundTheCallsInFlight(t *testing.T) {
	const max, callers, rounds = 4, 32, 300
	closed := make(chan struct{})
	s := newSlots(max, closed)
	var held, most atomic.Int64
	var wg sync.WaitGroup
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				ctx, cancel := context.WithCancel(context.Background())
				if (g+i)%3 == 0 {
					go cancel()
				}
				if err := s.acquire(ctx); err != nil {
					assert.ErrorIs(t, err, context.Canceled)
					cancel()
					continue
				}
				n := held.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				runtime.Gosched() // let others take slots meanwhile
				held.Add(-1)
				s.release()
				cancel()
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, most.Load(), int64(max), "slots held at once")
	assert.Equal(t, int64(max), most.Load(), "the callers never filled the slots: the test tests nothing")
	assert.Equal(t, int64(0), s.n.Load(), "callers counted after all returned")
	assert.Zero(t, len(s.wake), "slots handed over to nobody")

	for range max {
		require.NoError(t, s.acquire(context.Background()))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.acquire(ctx), context.Canceled, "a slot beyond max")
	close(closed)
	assert.True(t, errors.Is(s.acquire(context.Background()), cache.ErrClosed), "a wait for a slot once closed")
}
