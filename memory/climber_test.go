package memory

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullShard returns the one shard of a store of capacity entries, filled
// with keys never read, and the store. The caller holds no lock: tests
// that call the climber take it.
func fullShard(t *testing.T, capacity int) (*Store, *shard) {
	t.Helper()
	s, _ := newTestStore(t, Options{MaxEntries: capacity, Shards: 1})
	ctx := t.Context()
	for i := range capacity {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, 0))
	}
	return s, &s.shards[0]
}

func TestClimberTurnsRoundWhenTheHitRateDrops(t *testing.T) {
	s, sh := fullShard(t, 1000)
	p := &sh.pol
	sh.mu.Lock()
	defer sh.mu.Unlock()
	step := p.climb.stepMax // 62.5 entries, a sixteenth of the share
	require.Equal(t, 62.5, step)

	sh.adapt(0.30) // the first sample measures the starting window
	assert.Equal(t, p.windowMin, p.windowCap, "the first move shrinks the window, which is at its least")

	sh.adapt(0.30) // no change: on the same way, with a smaller step
	assert.Equal(t, p.windowMin, p.windowCap)
	assert.InDelta(t, -step*stepDecay, p.climb.step, 1e-9)

	// The window holds one entry over its target: the last insert of the
	// fill found the store full.
	extra := p.window.live - p.windowCap
	sh.adapt(0.29) // a drop: the climber turns round and grows the window
	grown := p.windowMin + int(step*math.Pow(stepDecay, 2))
	assert.Equal(t, grown, p.windowCap)
	assert.Equal(t, grown+extra, p.window.live, "entries of the main space moved to the window at once")

	sh.adapt(0.31) // better: it goes on growing
	assert.Equal(t, grown+int(step*math.Pow(stepDecay, 3)), p.windowCap)
	assert.Equal(t, p.windowCap+extra, p.window.live)

	before := p.windowCap
	sh.adapt(0.305) // worse again: back down
	assert.Equal(t, before-int(step*math.Pow(stepDecay, 4)), p.windowCap)
	assert.Equal(t, p.windowCap+extra, p.window.live, "and window entries moved to the probation ring")
	sh.mu.Unlock()
	checkInvariants(t, s)
	sh.mu.Lock()
}

func TestClimberRestartsItsStepOnANewWorkload(t *testing.T) {
	_, sh := fullShard(t, 1000)
	c := &sh.pol.climb
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.adapt(0.5)
	for range 50 {
		sh.adapt(0.5)
	}
	require.Less(t, math.Abs(c.step), c.stepMax/2, "the step has decayed")
	sh.adapt(0.40) // a drop of ten points: a new workload
	assert.Equal(t, c.stepMax, c.step, "full step, the other way")
}

func TestGhostGrowthIsUndoneWhenTheHitRateDrops(t *testing.T) {
	_, sh := fullShard(t, 1000)
	p := &sh.pol
	c := &p.climb
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.adapt(0.5)
	sh.adapt(0.5)
	// Keys back from the ghost grew the window by 100 during a sample.
	sh.resizeWindow(p.windowCap + 100)
	c.drift = 100
	start := p.windowCap
	step := c.step

	sh.adapt(0.45)
	assert.Equal(t, start-100+int(-step*stepDecay), p.windowCap, "the growth is undone, and the climber turns round")
	assert.True(t, c.noGhost, "the ghost moves the window no more")
	c.returns = 10 // a cold main space, which would let it otherwise
	assert.False(t, p.ghostMayGrow())

	sh.adapt(0.45)
	sh.adapt(0.60) // a new workload
	assert.False(t, c.noGhost, "until the workload changes")
	c.returns = 10
	assert.True(t, p.ghostMayGrow())
}

func TestGhostGrowsTheWindowWhereItCostsTheMainSpaceLittle(t *testing.T) {
	_, sh := fullShard(t, 500)
	p := &sh.pol
	c := &p.climb
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, tc := range []struct {
		name                          string
		window, returns, hits, winHit int
		want                          bool
	}{
		// Hits of the main space are few beside the keys coming back
		// (the keys reused once of TestKeysReusedSoonHitAsInLRU).
		{"cold main space", 5, 100, 20, 0, true},
		// A loop longer than the cache: its keys come back, but the main
		// space is hit as often, and the window never.
		{"hot main space, cold window", 50, 100, 100, 0, false},
		// The window's entries are hit more than twice as often, each,
		// as the main space's: 100 hits on 50 entries against 200 on 450.
		{"denser window", 50, 10, 300, 100, true},
		// Against 600 on 450, only 1.5 times as often.
		{"window not dense enough", 50, 10, 700, 100, false},
		// Too few hits to say, or a window too short to say anything of
		// one entry more.
		{"few window hits", 50, 10, 40, 20, false},
		{"short window", 5, 10, 400, 200, false},
	} {
		sh.resizeWindow(tc.window)
		c.prev = struct{ misses, hits, windowHits, returns int }{}
		c.returns, c.hits, c.windowHits = tc.returns, tc.hits, tc.winHit
		assert.Equal(t, tc.want, p.ghostMayGrow(), "%s: %+v", tc.name, tc)
		// The previous sample counts as much as the current one.
		c.prev.returns, c.prev.hits, c.prev.windowHits = tc.returns, tc.hits, tc.winHit
		c.returns, c.hits, c.windowHits = 0, 0, 0
		assert.Equal(t, tc.want, p.ghostMayGrow(), "%s, from the previous sample: %+v", tc.name, tc)
	}
	sh.resizeWindow(p.windowMax)
	c.returns, c.hits = 100, 0
	assert.False(t, p.ghostMayGrow(), "never past the window's bound")
}

func TestReadersCountHitsOnlyWhileTheShardMisses(t *testing.T) {
	s, sh := fullShard(t, 1000)
	ctx := t.Context()
	require.True(t, sh.counting.Load(), "inserts (misses) let readers count")
	sh.mu.Lock()
	sh.missed()
	sh.mu.Unlock()
	for i := range 10 {
		_, found, _ := s.GetValue(ctx, "k"+strconv.Itoa(i))
		require.True(t, found)
	}
	sh.mu.Lock()
	hits := sh.pol.climb.hits
	sh.missed()
	assert.Equal(t, hits+10, sh.pol.climb.hits, "a miss collects the hits counted since the last one")
	sh.mu.Unlock()

	// A shard that stops missing stops its readers counting.
	for i := 0; sh.counting.Load(); i++ {
		require.Less(t, i, quietHits+1, "readers stop counting after at most quietHits hits")
		_, _, _ = s.GetValue(ctx, "k1")
	}
	sh.mu.Lock()
	counted, _ := sh.hits.take()
	sh.mu.Unlock()
	_, _, _ = s.GetValue(ctx, "k1")
	sh.mu.Lock()
	after, _ := sh.hits.take()
	sh.mu.Unlock()
	assert.Positive(t, counted)
	assert.Zero(t, after, "a hit then costs no count")
	require.NoError(t, s.SetValue(ctx, "new", 0, 0))
	assert.True(t, sh.counting.Load(), "until the next miss")
}

func TestHitCounterCountsWindowHitsApart(t *testing.T) {
	var c hitCounter
	for i := range 10 {
		c.add(i%5 == 0)
	}
	hits, window := c.take()
	assert.Equal(t, 10, hits)
	assert.Equal(t, 2, window)
	hits, window = c.take()
	assert.Zero(t, hits, "take clears")
	assert.Zero(t, window)
}

func TestClimberFindsTheWindowOfAShiftingWorkload(t *testing.T) {
	// A deterministic workload that wants a short window, then a long
	// one: a loop twice the cache (where TinyLFU keeps half of it in the
	// main space and a long window only costs), then keys each read
	// twice, 300 reads apart, with no key read twice more (where only a
	// window longer than 300 hits).
	s, _ := newTestStore(t, Options{MaxEntries: 1000, Shards: 1})
	ctx := t.Context()
	sh := &s.shards[0]
	read := func(key string) bool {
		_, ok, _ := s.GetValue(ctx, key)
		if !ok {
			require.NoError(t, s.SetValue(ctx, key, 0, 0))
		}
		return ok
	}
	for range 40 {
		for i := range 2000 {
			read("loop" + strconv.Itoa(i))
		}
	}
	sh.mu.Lock()
	loopWindow := sh.pol.windowCap
	sh.mu.Unlock()
	assert.LessOrEqual(t, loopWindow, 100, "a loop keeps the window short")

	hits := 0
	const reads = 200_000
	for i := range reads {
		k := i / 2
		if i%2 == 1 {
			k = (i - 300) / 2
		}
		if read("once" + strconv.Itoa(k)) {
			hits++
		}
	}
	sh.mu.Lock()
	onceWindow := sh.pol.windowCap
	sh.mu.Unlock()
	assert.Greater(t, onceWindow, 150, "keys reused soon grow it")
	// LRU hits every second read: 50 %.
	t.Logf("loop window %d, once window %d, hits %.3f", loopWindow, onceWindow, float64(hits)/reads)
	assert.Greater(t, float64(hits)/reads, 0.35)
	checkInvariants(t, s)
}
