package memory

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShardSharesAddUpToMaxEntries(t *testing.T) {
	for _, tc := range []struct{ max, shards int }{
		{1, 0}, {7, 0}, {63, 0}, {64, 0}, {1000, 0}, {100_000, 0},
		{3, 64}, {10, 3}, {1000, 5}, {0, 0}, {0, 100}, {-5, 0},
	} {
		s := New(Options{MaxEntries: tc.max, Shards: tc.shards, CleanupInterval: -1})
		n := len(s.shards)
		assert.Equal(t, 0, n&(n-1), "%+v: %d shards is a power of two", tc, n)
		if tc.max <= 0 && tc.shards == 0 {
			assert.Equal(t, DefaultShards, n, "%+v", tc)
		}
		total := 0
		for i := range s.shards {
			c := s.shards[i].pol.share
			if tc.max > 0 {
				assert.GreaterOrEqual(t, c, 1, "%+v: every shard can hold an entry", tc)
			} else {
				assert.Equal(t, 0, c, "%+v: unbounded", tc)
			}
			total += c
		}
		assert.Equal(t, max(tc.max, 0), total, "%+v", tc)
		require.NoError(t, s.Close())
	}
}

func TestMaxEntriesIsNeverExceeded(t *testing.T) {
	for _, maxEntries := range []int{1, 7, 100, 1000, 5000} {
		s, _ := newTestStore(t, Options{MaxEntries: maxEntries})
		ctx := t.Context()
		for i := range 4 * maxEntries {
			require.NoError(t, s.SetValue(ctx, strconv.Itoa(i), i, 0))
			if i%97 == 0 {
				_, _, _ = s.GetValue(ctx, strconv.Itoa(i/2))
			}
		}
		_, err := s.Increment(ctx, "counter", 1)
		require.NoError(t, err)
		_, err = s.Add(ctx, "added", nil, 0)
		require.NoError(t, err)
		// Four times the bound of random keys fill every shard's share.
		assert.Equal(t, maxEntries, s.Len(), "MaxEntries %d", maxEntries)
		checkInvariants(t, s)
	}
}

func TestFrequentKeysSurviveAScan(t *testing.T) {
	const capacity = 1000
	s, _ := newTestStore(t, Options{MaxEntries: capacity, Shards: 1})
	ctx := t.Context()
	hot := make([]string, 50)
	for i := range hot {
		hot[i] = "hot" + strconv.Itoa(i)
		require.NoError(t, s.SetValue(ctx, hot[i], i, 0))
	}
	for range 2 {
		for _, k := range hot {
			_, found, _ := s.GetValue(ctx, k)
			require.True(t, found)
		}
	}
	// A scan of one-hit keys, twenty times the capacity, with the hot keys
	// read now and then, as a real workload would.
	for i := range 20 * capacity {
		require.NoError(t, s.SetValue(ctx, "scan"+strconv.Itoa(i), i, 0))
		if i%capacity == 0 {
			for _, k := range hot {
				_, _, _ = s.GetValue(ctx, k)
			}
		}
	}
	for _, k := range hot {
		ok, _ := s.Exists(ctx, k)
		assert.True(t, ok, "%s was evicted by one-hit keys", k)
	}
	assert.Equal(t, capacity, s.Len())
	checkInvariants(t, s)
}

func TestReadKeysSurviveNewcomers(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100, Shards: 1})
	ctx := t.Context()
	for i := range 100 {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, 0))
	}
	for i := 0; i < 100; i += 2 {
		_, _, _ = s.GetValue(ctx, "k"+strconv.Itoa(i))
	}
	for i := range 50 {
		require.NoError(t, s.SetValue(ctx, "new"+strconv.Itoa(i), i, 0))
	}
	for i := 0; i < 100; i += 2 {
		ok, _ := s.Exists(ctx, "k"+strconv.Itoa(i))
		assert.True(t, ok, "k%d was read and evicted", i)
	}
	assert.Equal(t, 100, s.Len())
	checkInvariants(t, s)
}

func TestKeyBackFromTheGhostGrowsTheWindowOnce(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100, Shards: 1})
	ctx := t.Context()
	for i := range 100 {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, 0))
	}
	sh := &s.shards[0]
	require.Equal(t, 1, sh.pol.windowCap, "the window starts at its least")

	// The 101st key pushes k99, last in the window, out: it was used no
	// more often than the main space's victim.
	require.NoError(t, s.SetValue(ctx, "x", 0, 0))
	ok, _ := s.Exists(ctx, "k99")
	require.False(t, ok, "the window's unread key was evicted")

	// Back while its hash is in the ghost, and nothing in the main space
	// read (a cold main space), k99 makes the window grow by one: it was
	// too short for k99.
	require.NoError(t, s.SetValue(ctx, "k99", 99, 0))
	e := sh.tab.Load().find("k99", s.hash("k99"))
	require.NotNil(t, e)
	assert.Equal(t, inWindow, e.queue())
	assert.True(t, e.returned())
	assert.Equal(t, 2, sh.pol.windowCap)
	require.NoError(t, s.SetValue(ctx, "fresh", 0, 0))
	e = sh.tab.Load().find("fresh", s.hash("fresh"))
	assert.Equal(t, inWindow, e.queue(), "a key never seen starts in the window")
	assert.False(t, e.returned())
	assert.Equal(t, 2, sh.pol.windowCap, "and does not move it")
	checkInvariants(t, s)
}

func TestKeyThatKeepsComingBackDoesNotGrowTheWindow(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100, Shards: 1})
	ctx := t.Context()
	for i := range 100 {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, 0))
	}
	sh := &s.shards[0]
	// A key that came back once already and was pushed out again (a key
	// of a loop, which a longer window would not keep) is remembered so.
	sh.mu.Lock()
	sh.pol.ghost.add(s.hash("loop"), true)
	sh.mu.Unlock()
	require.NoError(t, s.SetValue(ctx, "loop", 0, 0))
	e := sh.tab.Load().find("loop", s.hash("loop"))
	require.NotNil(t, e)
	assert.True(t, e.returned(), "it is still a key back from the ghost")
	assert.Equal(t, 1, sh.pol.windowCap, "but the window stays as it was")
	checkInvariants(t, s)
}

func TestReadProbationKeyIsPromotedAndTheUnreadOneEvicted(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 10, Shards: 1})
	ctx := t.Context()
	for i := range 10 {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, 0))
	}
	// k0, at the front of the probation ring, is read; k1, behind it, is
	// not.
	_, found, _ := s.GetValue(ctx, "k0")
	require.True(t, found)
	require.NoError(t, s.SetValue(ctx, "x", 0, 0))
	sh := &s.shards[0]
	e := sh.tab.Load().find("k0", s.hash("k0"))
	require.NotNil(t, e, "the read key stays")
	assert.Equal(t, inProtected, e.queue(), "promoted when the CLOCK passed it")
	assert.True(t, e.proven())
	// k9 left the window for the main space's victim k1: both used once,
	// so k9 was not admitted.
	for k, want := range map[string]bool{"k1": true, "k9": false, "x": true} {
		ok, _ := s.Exists(ctx, k)
		assert.Equal(t, want, ok, k)
	}
	checkInvariants(t, s)
}

func TestAdmissionNeedsOneMoreUseAgainstAVictimReadInTheMainSpace(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100, Shards: 1})
	sh := &s.shards[0]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v := &entry{key: "victim"}
	hv, hc := s.hash("victim"), s.hash("candidate")
	for range 3 {
		sh.pol.freq.increment(hv)
	}
	for range 4 {
		sh.pol.freq.increment(hc)
	}
	require.Equal(t, sh.pol.freq.estimate(hv)+1, sh.pol.freq.estimate(hc))
	assert.True(t, sh.admits(hc, v), "used more often than a victim never read in the main space")
	v.markProven()
	assert.False(t, sh.admits(hc, v), "one use more is not enough against a victim read there")
	sh.pol.freq.increment(hc)
	assert.True(t, sh.admits(hc, v), "two are")
}

func TestLoopLongerThanTheCacheStillHits(t *testing.T) {
	const capacity = 1000
	s, _ := newTestStore(t, Options{MaxEntries: capacity})
	ctx := t.Context()
	keys := make([]string, 2*capacity)
	for i := range keys {
		keys[i] = "loop" + strconv.Itoa(i)
	}
	hits, reads := 0, 0
	for range 30 {
		for i, k := range keys {
			reads++
			if _, ok, _ := s.GetValue(ctx, k); ok {
				hits++
				continue
			}
			require.NoError(t, s.SetValue(ctx, k, i, 0))
		}
	}
	// The optimum keeps half the loop: 50 %. FIFO, LRU and S3-FIFO keep
	// evicting each key before it comes round again: 0 %. The policy
	// lands at 47.8 % (in each of 200 runs: the hash seed hardly moves
	// it), the first round, all misses, included.
	assert.Greater(t, float64(hits)/float64(reads), 0.40, "%d hits in %d reads", hits, reads)
	checkInvariants(t, s)
}

func TestLoopKeepsNearlyTheOptimumAtEveryCapacity(t *testing.T) {
	const loop = 2000
	keys := make([]string, loop)
	for i := range keys {
		keys[i] = "loop" + strconv.Itoa(i)
	}
	for _, capacity := range []int{400, 1000, 1600} {
		t.Run(strconv.Itoa(capacity), func(t *testing.T) {
			s, _ := newTestStore(t, Options{MaxEntries: capacity})
			ctx := t.Context()
			hits, reads := 0, 0
			for round := range 40 {
				for i, k := range keys {
					_, ok, _ := s.GetValue(ctx, k)
					if round >= 10 { // once the climber has settled
						reads++
						if ok {
							hits++
						}
					}
					if !ok {
						require.NoError(t, s.SetValue(ctx, k, i, 0))
					}
				}
			}
			// The optimum keeps capacity of the loop's keys: 20, 50 and
			// 80 %; LRU and FIFO, none. The policy keeps 97 to 99 % of
			// the optimum (19.2, 49.5 and 78.2 % in the worst of 40 runs).
			optimum := float64(capacity) / loop
			assert.Greater(t, float64(hits)/float64(reads), 0.9*optimum, "%d hits in %d reads", hits, reads)
			checkInvariants(t, s)
		})
	}
}

func TestKeysReusedSoonHitAsInLRU(t *testing.T) {
	const capacity = 1000
	s, _ := newTestStore(t, Options{MaxEntries: capacity, Shards: 1})
	ctx := t.Context()
	// Every key is used twice, 400 uses apart, and never again: only
	// recency tells. LRU hits every second use (50 %); a window of 1 % or
	// 10 % of the cache, none, and a hill climber on the hit rate alone
	// sees no change until the window reaches 400 (otter: 2.4 %). The
	// window grows with every key that comes back after leaving it while
	// the main space is cold, until it holds them: near 41 %, 40.7 % in
	// the worst of 200 runs (the hash seed moves the sketch's
	// collisions), so the bound leaves room below that.
	hits, reads := 0, 0
	for i := range 60_000 {
		k := i / 2
		if i%2 == 1 {
			k = (i - 400) / 2
		}
		key := "k" + strconv.Itoa(k)
		reads++
		if _, ok, _ := s.GetValue(ctx, key); ok {
			hits++
			continue
		}
		require.NoError(t, s.SetValue(ctx, key, k, 0))
	}
	assert.Greater(t, float64(hits)/float64(reads), 0.30, "%d hits in %d reads", hits, reads)
	checkInvariants(t, s)
}

func TestExpiredEntriesAreEvictedFirst(t *testing.T) {
	s, clk := newTestStore(t, Options{MaxEntries: 10, Shards: 1})
	ctx := t.Context()
	for i := range 10 {
		ttl := 0 * time.Second
		if i == 5 {
			ttl = time.Second
		}
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, ttl))
	}
	clk.Advance(time.Second)
	require.NoError(t, s.SetValue(ctx, "new", 0, 0))
	for i := range 10 {
		ok, _ := s.Exists(ctx, "k"+strconv.Itoa(i))
		assert.Equal(t, i != 5, ok, "k%d", i)
	}
	checkInvariants(t, s)
}

func TestGhostRemembersRecentKeysAndForgetsOldOnes(t *testing.T) {
	var g ghost
	g.init(1000)
	for h := range uint64(200) {
		g.add(h*0x9e3779b97f4a7c15, h%2 == 0)
	}
	remembered, flags := 0, 0
	for h := range uint64(200) {
		if found, again := g.take(h * 0x9e3779b97f4a7c15); found {
			remembered++
			if again == (h%2 == 0) {
				flags++
			}
		}
	}
	// 200 keys in 1000 slots: a few collide.
	assert.Greater(t, remembered, 160)
	assert.Equal(t, remembered, flags, "each key keeps whether it had come back before")
	found, _ := g.take(0)
	assert.False(t, found, "take forgets")

	g.add(7, false)
	for h := range uint64(10_000) {
		g.add(h<<20|1, false)
	}
	found, _ = g.take(7)
	assert.False(t, found, "ten times the slots later, a key is forgotten (this one is)")
}
