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

func TestKeyEvictedEarlyFromSmallComesBackToMain(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100, Shards: 1})
	ctx := t.Context()
	for i := range 100 {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, 0))
	}
	// The 101st key fills the main queue from the small one; k99, last in
	// the small queue, is evicted: it was used no more than the main
	// queue's keys.
	require.NoError(t, s.SetValue(ctx, "x", 0, 0))
	ok, _ := s.Exists(ctx, "k99")
	require.False(t, ok, "the last unread key was evicted")
	sh := &s.shards[0]
	before := sh.pol.smallCap

	// Back while its hash is in the small queue's ghost, and now used more
	// often than the main queue's victim, k99 goes to the main queue, and
	// the small queue grows: it was too short for k99.
	require.NoError(t, s.SetValue(ctx, "k99", 99, 0))
	e := sh.tab.Load().find("k99", s.hash("k99"))
	require.NotNil(t, e)
	assert.Equal(t, inMain, e.queue())
	assert.Equal(t, before+1, sh.pol.smallCap)
	require.NoError(t, s.SetValue(ctx, "fresh", 0, 0))
	e = sh.tab.Load().find("fresh", s.hash("fresh"))
	assert.Equal(t, inSmall, e.queue(), "a key never seen goes to the small queue")
	checkInvariants(t, s)
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
	// lands near 40 %, moved a little by the hash seed (37 % in the worst
	// of 400 runs), so the bound leaves room below that.
	assert.Greater(t, float64(hits)/float64(reads), 0.30, "%d hits in %d reads", hits, reads)
	checkInvariants(t, s)
}

func TestKeysReusedSoonHitAsInLRU(t *testing.T) {
	const capacity = 1000
	s, _ := newTestStore(t, Options{MaxEntries: capacity, Shards: 1})
	ctx := t.Context()
	// Every key is used twice, 400 uses apart, and never again: only
	// recency tells. LRU hits every second use (50 %); a small queue of
	// 1 % or 10 % of the cache, none. The policy's small queue grows with
	// every key that comes back after leaving it, until it holds them:
	// near 42 %, 38 % in the worst of 200 runs (the hash seed moves the
	// sketch's collisions), so the bound leaves room below that.
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
		g.add(h * 0x9e3779b97f4a7c15)
	}
	remembered := 0
	for h := range uint64(200) {
		if g.take(h * 0x9e3779b97f4a7c15) {
			remembered++
		}
	}
	// 200 keys in 1000 slots: a few collide.
	assert.Greater(t, remembered, 160)
	assert.False(t, g.take(0), "take forgets")

	g.add(7)
	for h := range uint64(10_000) {
		g.add(h<<20 | 1)
	}
	assert.False(t, g.take(7), "ten times the slots later, a key is forgotten (this one is)")
}
