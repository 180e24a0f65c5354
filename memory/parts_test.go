package memory

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRingKeepsOrderAndDropsDeadEntries(t *testing.T) {
	var r ring
	es := make([]*entry, 100)
	for i := range es {
		es[i] = &entry{key: string(rune('a' + i%26))}
		r.push(es[i])
	}
	for i := 0; i < 100; i += 3 {
		es[i].kill()
		r.died()
	}
	for i := range es {
		if i%3 == 0 {
			continue
		}
		require.Same(t, es[i], r.pop(), "entry %d", i)
	}
	assert.Nil(t, r.pop())
	assert.Zero(t, r.live)
	assert.Zero(t, r.n)
}

func TestRingCompactsWhenTheDeadOutnumberTheLive(t *testing.T) {
	var r ring
	doomed := make([]*entry, 1000)
	for i := range doomed {
		doomed[i] = &entry{}
		r.push(doomed[i])
	}
	keep := &entry{}
	r.push(keep)
	for _, e := range doomed {
		e.kill()
		r.died()
	}
	assert.LessOrEqual(t, r.n, 65, "dead entries are dropped once they outnumber the live")
	assert.Same(t, keep, r.front())
}

func TestSketchCountsUsesAndForgetsOldOnes(t *testing.T) {
	var s sketch
	s.init(1000)
	for range 5 {
		s.increment(42)
	}
	s.increment(7)
	assert.Equal(t, uint64(5), s.estimate(42))
	assert.Equal(t, uint64(1), s.estimate(7))
	assert.LessOrEqual(t, s.estimate(99), uint64(1), "an unseen key: at most a collision")
	for h := range uint64(sketchSample * 1000) {
		s.increment(h<<32 | 0xabc)
	}
	// Twenty thousand increments (sketchSample times the size) halve
	// every counter.
	assert.Less(t, s.estimate(42), uint64(5))
	for range 100 {
		s.increment(42)
	}
	assert.Equal(t, uint64(15), s.estimate(42), "counters stop at 15")
}

func TestExpiryHeapFindsAnEntryWhoseExpiryMovedEarlier(t *testing.T) {
	var h expiryHeap
	e := &entry{}
	e.expires.Store(100)
	h.push(e, 100)
	// Moved later: the item at 100 still comes first and is re-filed.
	assert.False(t, needsItem(100, 200))
	e.expires.Store(200)
	assert.Nil(t, h.nextExpired(150))
	require.Len(t, h, 1)
	assert.Equal(t, int64(200), h.peek().at)
	// Moved earlier: a new item.
	assert.True(t, needsItem(200, 50))
	e.expires.Store(50)
	h.push(e, 50)
	assert.Same(t, e, h.nextExpired(60))
	// The stale item of a removed entry is dropped.
	e.kill()
	assert.Nil(t, h.nextExpired(1000))
	assert.Empty(t, h)
	assert.True(t, needsItem(0, 10), "an entry that gets an expiry needs an item")
	assert.False(t, needsItem(10, 0), "one that loses it does not")
}

func TestEntryKeepsItsPolicyBitsAcrossWrites(t *testing.T) {
	e := &entry{}
	e.set("a", 1, 0)
	e.setQueue(inProtected, 2)
	e.set("b", 2, 5)
	snap, ok, retry := e.read()
	require.True(t, ok)
	require.False(t, retry)
	assert.Equal(t, snapshot{val: "b", version: 2, expires: 5}, snap)
	assert.Equal(t, inProtected, e.queue())
	assert.Equal(t, uint64(2), e.freq())
	assert.True(t, e.takeRead())
	assert.True(t, e.takeRead())
	assert.False(t, e.takeRead())
	e.kill()
	_, ok, _ = e.read()
	assert.False(t, ok, "a removed entry reads as absent")
	assert.Nil(t, e.value(), "and holds no value")
}

func TestExpiryHeapLetsGoOfRemovedEntries(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	for i := range 10_000 {
		require.NoError(t, s.SetValue(ctx, "k"+strconv.Itoa(i), i, time.Hour))
	}
	for i := range 10_000 {
		_, err := s.Delete(ctx, "k"+strconv.Itoa(i))
		require.NoError(t, err)
	}
	// Rewrites that move each expiry earlier push an item each time.
	for i := range 1000 {
		require.NoError(t, s.SetValue(ctx, "short", i, time.Duration(1000-i)*time.Millisecond))
	}
	items := 0
	for i := range s.shards {
		items += len(s.shards[i].exp)
	}
	assert.Less(t, items, 64*len(s.shards)+10, "items of removed entries and stale items are dropped")
	checkInvariants(t, s)
}
