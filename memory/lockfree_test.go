package memory

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetTakesNoLock(t *testing.T) {
	for _, opts := range []Options{{}, {MaxEntries: 100}} {
		s, _ := newTestStore(t, opts)
		ctx := t.Context()
		require.NoError(t, s.SetValue(ctx, "k", 1, time.Hour))
		sh := s.shardOf(s.hash("k"))
		sh.mu.Lock()
		done := make(chan struct{})
		go func() {
			defer close(done)
			v, found, err := s.GetValue(ctx, "k")
			assert.NoError(t, err)
			assert.True(t, found)
			assert.Equal(t, 1, v)
			_, found, _ = s.Get(ctx, "k")
			assert.True(t, found)
			found, _ = s.Exists(ctx, "k")
			assert.True(t, found)
			_, _, found, _ = s.GetValueVersion(ctx, "k")
			assert.True(t, found)
			_, _, found, _ = s.GetTTL(ctx, "k")
			assert.True(t, found)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a read waited for the shard's lock")
		}
		sh.mu.Unlock()
	}
}

func TestGetHitAllocatesNothing(t *testing.T) {
	for _, opts := range []Options{{}, {MaxEntries: 100}} {
		s, _ := newTestStore(t, opts)
		ctx := t.Context()
		require.NoError(t, s.SetValue(ctx, "plain", 1000, 0))
		require.NoError(t, s.SetValue(ctx, "expiring", 1000, time.Hour))
		for _, key := range []string{"plain", "expiring", "absent"} {
			allocs := testing.AllocsPerRun(100, func() { _, _, _ = s.GetValue(ctx, key) })
			assert.Zero(t, allocs, "GetValue(%q) with %+v", key, opts)
		}
	}
}

func TestHotReadsStopWritingTheEntry(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "k", 1, 0))
	e := s.shardOf(s.hash("k")).tab.Load().find("k", s.hash("k"))
	for range maxFreq {
		_, _, _ = s.GetValue(ctx, "k")
	}
	before := e.state.Load()
	for range 100 {
		_, _, _ = s.GetValue(ctx, "k")
	}
	assert.Equal(t, before, e.state.Load(), "a read of a saturated counter wrote the entry")
	assert.Equal(t, uint64(maxFreq), e.freq())
}

// TestReadersSeeEachValueWithItsVersion writes values and reads them with
// their versions from other goroutines: each value must come with the
// version that the write of that value returned, never another's. Run it
// with -race.
func TestReadersSeeEachValueWithItsVersion(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 1000})
	ctx := t.Context()
	var versions sync.Map // value -> the version its write returned
	ver, _, _ := s.CompareAndSwapValue(ctx, "k", nil, 0, 0)
	versions.Store(0, ver)
	var stop atomic.Bool
	var bad atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				v, ver, found, err := s.GetValueVersion(ctx, "k")
				if err != nil || !found {
					bad.Add(1)
					continue
				}
				// The writer records the version after the write: wait
				// for it, briefly, rather than miss it.
				for range 1000 {
					if want, ok := versions.Load(v); ok {
						if want != ver {
							bad.Add(1)
						}
						break
					}
				}
			}
		}()
	}
	for i := 1; i <= 20_000; i++ {
		ver, swapped, err := s.CompareAndSwapValue(ctx, "k", nil, i, 0)
		require.NoError(t, err)
		require.True(t, swapped)
		versions.Store(i, ver)
	}
	stop.Store(true)
	wg.Wait()
	assert.Zero(t, bad.Load())
}

func TestMaxEntriesIsHeldExactlyAcrossShards(t *testing.T) {
	const maxEntries = 20_000
	s, _ := newTestStore(t, Options{MaxEntries: maxEntries})
	require.Len(t, s.shards, 4, "shards of at least 4096 entries")
	ctx := t.Context()
	for i := range 3 * maxEntries {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, 0))
	}
	// Keys spread unevenly over the shards; the store still holds the
	// bound exactly, not each shard its share.
	assert.Equal(t, maxEntries, s.Len())
	shares := map[int]bool{}
	for i := range s.shards {
		shares[s.shards[i].len()] = true
	}
	assert.Greater(t, len(shares), 1, "shards hold different numbers of entries")
	checkInvariants(t, s)
}
