package memory

// This file is the S3-FIFO eviction policy of a bounded shard (see the
// package doc). All of it runs under the shard's write lock.

// evict removes one entry to make room for a new one and reports whether
// it did (false only if the shard holds no queued entry). An expired entry
// goes first; otherwise the small queue is served while it holds at least
// its share of the shard, and the main queue otherwise.
func (sh *shard) evict(now int64) bool {
	if e := sh.exp.peek(); e != nil && e.expired(now) {
		sh.remove(e)
		return true
	}
	if sh.small.len > 0 && (sh.small.len >= sh.smallCap || sh.main.len == 0) {
		if sh.evictSmall(now) {
			return true
		}
	}
	return sh.evictMain(now)
}

// evictSmall walks the small queue from its oldest entry: an entry read
// since it was inserted is promoted to the main queue; the first one that
// was not is evicted and its hash remembered in the ghost queue. It reports
// whether it evicted an entry (false if it promoted them all).
func (sh *shard) evictSmall(now int64) bool {
	for e := sh.small.tail; e != nil; e = sh.small.tail {
		sh.small.remove(e)
		if e.freq.Load() > 0 && !e.expired(now) {
			e.freq.Store(0)
			e.queue = inMain
			sh.main.pushHead(e)
			continue
		}
		e.queue = inNone
		if !e.expired(now) {
			sh.ghost.add(e.hash)
		}
		sh.remove(e)
		return true
	}
	return false
}

// evictMain is a CLOCK over the main queue: the oldest entry goes back to
// the head with its counter decremented if it was read since it last got
// there, and is evicted otherwise. Counters are capped, so this ends within
// maxFreq+1 passes over the queue.
func (sh *shard) evictMain(now int64) bool {
	for e := sh.main.tail; e != nil; e = sh.main.tail {
		if f := e.freq.Load(); f > 0 && !e.expired(now) {
			e.freq.Store(f - 1)
			sh.main.remove(e)
			sh.main.pushHead(e)
			continue
		}
		sh.remove(e)
		return true
	}
	return false
}

// ghost is S3-FIFO's ghost queue: the hashes of the keys most recently
// evicted from the small queue, in a ring, with a map to find them. A key
// whose hash is there when it is inserted again was evicted too early and
// goes straight to the main queue.
type ghost struct {
	size  int               // capacity of the ring
	ring  []uint64          // hashes; allocated on first use
	added uint64            // hashes added so far; the next goes to ring[added%size]
	index map[uint64]uint64 // hash -> the value of added when it was last added
}

// add remembers hash, forgetting the oldest hash if the ring is full.
func (g *ghost) add(hash uint64) {
	if g.size == 0 {
		return
	}
	if g.ring == nil {
		g.ring = make([]uint64, g.size)
		g.index = make(map[uint64]uint64)
	}
	n := uint64(g.size)
	slot := g.added % n
	if g.added >= n {
		old := g.ring[slot]
		// Forget the old hash unless it was added again since.
		if at, ok := g.index[old]; ok && at == g.added-n {
			delete(g.index, old)
		}
	}
	g.ring[slot] = hash
	g.index[hash] = g.added
	g.added++
}

// take reports whether hash is remembered, and forgets it.
func (g *ghost) take(hash uint64) bool {
	if _, ok := g.index[hash]; !ok {
		return false
	}
	delete(g.index, hash)
	return true
}

// reset forgets every hash.
func (g *ghost) reset() {
	g.ring, g.index, g.added = nil, nil, 0
}
