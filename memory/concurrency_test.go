package memory

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentMixedUseKeepsInvariants runs every operation from many
// goroutines on a bounded store with expiring keys and a running sweep,
// checking the bound while it runs and the bookkeeping afterwards. Run it
// with -race.
func TestConcurrentMixedUseKeepsInvariants(t *testing.T) {
	const maxEntries = 200
	clk := &fakeClock{}
	s := New(Options{MaxEntries: maxEntries, Shards: 4, CleanupInterval: time.Millisecond, Clock: clk.Now})
	defer s.Close()
	ctx := t.Context()

	stop := make(chan struct{})
	var over atomic.Int64
	var checker sync.WaitGroup
	checker.Add(1)
	go func() {
		defer checker.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n := s.Len(); n > maxEntries {
				over.Store(int64(n))
			}
			clk.Advance(time.Millisecond)
		}
	}()

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range 3000 {
				key := "k" + strconv.Itoa(r.IntN(600))
				ttl := time.Duration(r.IntN(3)) * 5 * time.Millisecond
				switch r.IntN(12) {
				case 0:
					_ = s.Set(ctx, key, []byte("v"), ttl)
				case 1:
					_ = s.SetValue(ctx, key, w, ttl)
				case 2:
					_, _ = s.Add(ctx, key, []byte("1"), ttl)
				case 3:
					_, _ = s.Delete(ctx, key)
				case 4:
					_, _ = s.Increment(ctx, key, 1)
				case 5:
					_, _ = s.Expire(ctx, key, ttl)
				case 6:
					_, ver, _, _ := s.GetValueVersion(ctx, key)
					_, _, _ = s.CompareAndSwapValue(ctx, key, ver, w, ttl)
				case 7:
					_, _ = s.CompareAndDelete(ctx, key, []byte("v"))
				case 8:
					_, _ = s.MultiGet(ctx, []string{key, "k1", "k2"})
				case 9:
					if r.IntN(50) == 0 {
						_ = s.Clear(ctx, "")
					}
				default:
					_, _, _ = s.GetValue(ctx, key)
					_, _ = s.Exists(ctx, key)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	checker.Wait()
	assert.Zero(t, over.Load(), "the store held more than MaxEntries")
	assert.LessOrEqual(t, s.Len(), maxEntries)
	checkInvariants(t, s)
}

// TestConcurrentReadersOfAHotKey reads one key from many goroutines while
// another overwrites it: every read sees a whole value.
func TestConcurrentReadersOfAHotKey(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "hot", 0, 0))
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5000 {
				v, found, err := s.GetValue(ctx, "hot")
				if err != nil || !found {
					bad.Add(1)
					continue
				}
				if _, ok := v.(int); !ok {
					bad.Add(1)
				}
			}
		}()
	}
	for i := range 2000 {
		require.NoError(t, s.SetValue(ctx, "hot", i, 0))
	}
	wg.Wait()
	assert.Zero(t, bad.Load())
}
