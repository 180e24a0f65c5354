package locktest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/lock"
)

// runFence checks lock.Red's fencing tokens: strictly increasing over
// acquisitions from several store instances, kept by Extend, growing past
// a holder whose lease expired, and past a Clear that lost the counter.
func runFence(t *testing.T, h cachetest.Harness) {
	t.Run("GrowsOverEveryAcquisition", func(t *testing.T) { fenceGrows(t, h) })
	t.Run("PausedHolderHasTheSmallerFence", func(t *testing.T) { fencePaused(t, h) })
	t.Run("GrowsPastALostCounter", func(t *testing.T) { fenceCleared(t, h) })
}

// fenceAcquisitions is how many acquisitions fenceGrows makes in all.
const fenceAcquisitions = 1000

func fenceGrows(t *testing.T, h cachetest.Harness) {
	ss := stores(t, h, 3)
	var (
		mu     sync.Mutex
		fences []uint64 // in the order the lock was held: holders do not overlap
		wg     sync.WaitGroup
	)
	for _, s := range ss {
		c := cachetest.NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "fence"})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				l := lock.NewRed(c, "k", longLease)
				owned, err := l.Acquire(t.Context())
				if !assert.NoError(t, err) {
					return
				}
				if !owned {
					continue // waited for another holder
				}
				mu.Lock()
				done := len(fences) >= fenceAcquisitions
				if !done {
					fences = append(fences, l.Fence())
				}
				mu.Unlock()
				held, err := l.Extend(t.Context())
				assert.NoError(t, err)
				assert.True(t, held)
				mu.Lock()
				if !done {
					assert.Equal(t, fences[len(fences)-1], l.Fence(), "Extend keeps the fence")
				}
				mu.Unlock()
				require.NoError(t, l.Release(t.Context()))
				assert.Zero(t, l.Fence(), "no fence once released")
				if done {
					return
				}
			}
		}()
	}
	wg.Wait()
	require.Len(t, fences, fenceAcquisitions)
	for i := 1; i < len(fences); i++ {
		if fences[i] <= fences[i-1] {
			t.Fatalf("acquisition %d has fence %d, not above %d before it", i, fences[i], fences[i-1])
		}
	}
	assert.NotZero(t, fences[0])
}

func fencePaused(t *testing.T, h cachetest.Harness) {
	ss := stores(t, h, 2)
	a := cachetest.NewCache[string, string](t, ss[0], cache.Options[string, string]{Namespace: "fp"})
	b := cachetest.NewCache[string, string](t, ss[1], cache.Options[string, string]{Namespace: "fp"})
	lease := holderLease(h)
	paused := lock.NewRed(a, "k", lease)
	owned, err := paused.Acquire(t.Context())
	require.NoError(t, err)
	require.True(t, owned)
	// The holder pauses past its lease: its entry expires.
	cachetest.AwaitGone(t, a, "k-lock", h.ExpiryDeadline(time.Now(), lease))
	next := lock.NewRed(b, "k", longLease)
	owned, err = next.Acquire(t.Context())
	require.NoError(t, err)
	require.True(t, owned, "the lock is free once the paused holder's lease ran out")
	assert.Greater(t, next.Fence(), paused.Fence(), "a resource that keeps the greatest fence refuses the paused holder")
	require.NoError(t, next.Release(t.Context()))
}

func fenceCleared(t *testing.T, h cachetest.Harness) {
	c := cachetest.NewCache[string, string](t, store(t, h), cache.Options[string, string]{Namespace: "fc"})
	first := lock.NewRed(c, "k", longLease)
	owned, err := first.Acquire(t.Context())
	require.NoError(t, err)
	require.True(t, owned)
	f1 := first.Fence()
	require.NoError(t, first.Release(t.Context()))
	require.NoError(t, c.Clear(t.Context())) // the counter, where it is in the namespace, is gone
	second := lock.NewRed(c, "k", longLease)
	owned, err = second.Acquire(t.Context())
	require.NoError(t, err)
	require.True(t, owned)
	assert.Greater(t, second.Fence(), f1, "the fence grows past a counter that was lost")
	require.NoError(t, second.Release(t.Context()))
}
