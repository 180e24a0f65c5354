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

func TestUnreadKeysAreEvictedBeforeReadOnes(t *testing.T) {
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
	for i := range 100 {
		ok, _ := s.Exists(ctx, "k"+strconv.Itoa(i))
		assert.Equal(t, i%2 == 0, ok, "k%d", i)
	}
}

func TestKeyEvictedEarlyReturnsToMainQueue(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 100, Shards: 1})
	ctx := t.Context()
	for i := range 101 {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, 0))
	}
	ok, _ := s.Exists(ctx, "k0")
	require.False(t, ok, "the oldest unread key was evicted")
	require.NoError(t, s.SetValue(ctx, "k0", 0, 0))
	tab := s.shards[0].tab.Load()
	assert.Equal(t, inMain, tab.find("k0", s.hash("k0")).queue(), "its hash was in the ghost queue")
	require.NoError(t, s.SetValue(ctx, "fresh", 0, 0))
	assert.Equal(t, inSmall, tab.find("fresh", s.hash("fresh")).queue())
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
