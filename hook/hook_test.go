package hook_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/hook"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHitMissCountsEveryKeyOnce(t *testing.T) {
	var h hook.HitMiss
	assert.Zero(t, h.Ratio(), "no reads yet")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				h.Observe(context.Background(), cache.Event{Op: cache.OpGet, Hits: 1})
				h.Observe(context.Background(), cache.Event{Op: cache.OpMultiGet, Hits: 2, Misses: 1})
				h.Observe(context.Background(), cache.Event{Op: cache.OpSet})
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 2400, h.Hits())
	assert.EqualValues(t, 800, h.Misses())
	assert.InDelta(t, 0.75, h.Ratio(), 1e-12)
	h.Reset()
	assert.Zero(t, h.Hits()+h.Misses())
}

func TestTimingKeepsMinMaxMeanPerOperation(t *testing.T) {
	var tm hook.Timing
	for _, d := range []time.Duration{3, 1, 2} {
		tm.Observe(context.Background(), cache.Event{Op: cache.OpSet, Duration: d * time.Millisecond})
	}
	tm.Observe(context.Background(), cache.Event{Op: cache.OpGet, Duration: time.Second, Err: errors.New("down")})
	tm.Observe(context.Background(), cache.Event{Op: cache.Op(250), Duration: time.Hour})

	set := tm.Stats(cache.OpSet)
	assert.EqualValues(t, 3, set.Count)
	assert.Zero(t, set.Errors)
	assert.Equal(t, time.Millisecond, set.Min)
	assert.Equal(t, 3*time.Millisecond, set.Max)
	assert.Equal(t, 6*time.Millisecond, set.Total)
	assert.Equal(t, 2*time.Millisecond, set.Mean())
	assert.EqualValues(t, 1, tm.Stats(cache.OpGet).Errors)
	assert.Equal(t, hook.Stats{}, tm.Stats(cache.Op(250)), "unknown operations are ignored")
	assert.Len(t, tm.All(), 2)
	assert.Zero(t, hook.Stats{}.Mean())
	tm.Reset()
	assert.Empty(t, tm.All())
}

func TestTimingIsSafeForConcurrentUse(t *testing.T) {
	var tm hook.Timing
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				tm.Observe(context.Background(), cache.Event{Op: cache.OpGet, Duration: time.Duration(i*100+j+1) * time.Microsecond})
			}
		}()
	}
	wg.Wait()
	s := tm.Stats(cache.OpGet)
	assert.EqualValues(t, 800, s.Count)
	assert.Equal(t, time.Microsecond, s.Min)
	assert.Equal(t, 800*time.Microsecond, s.Max)
}
