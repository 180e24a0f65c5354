package memory

// This file is the eviction policy of a bounded shard (see the package doc
// for why this one). All of it runs under the shard's lock.

// policy is the state of a bounded shard's eviction policy: W-TinyLFU
// (Einziger, Friedman and Manes, 2017) on rings instead of linked lists,
// with CLOCK passes where W-TinyLFU moves entries on a read, and a window
// sized by a hill climber on the hit rate (climber.go).
type policy struct {
	share int // the shard's part of MaxEntries, which sizes everything below

	window    ring // new keys, in order of insertion
	probation ring // main keys not read since they joined the main space or were demoted
	protected ring // main keys read while on probation

	// windowCap is the target length of the window, moved by the climber
	// between windowMin and windowMax; protectedCap is that of the
	// protected ring, a fixed part of the rest.
	windowCap, windowMin, windowMax int
	protectedCap                    int

	freq  sketch // how often keys were used lately
	ghost ghost  // keys lately evicted from the window, see place
	climb climber
}

// Sizes, in percent of the shard's share: the window starts at the least,
// as W-TinyLFU's does; the protected ring holds most of the main space, as
// in Caffeine and otter.
const (
	windowMinPercent = 1
	windowMaxPercent = 80
	protectedPercent = 80
)

// init sizes p for a shard holding about share entries.
func (p *policy) init(share int) {
	p.share = share
	p.windowMin = max(share*windowMinPercent/100, 1)
	p.windowMax = max(share*windowMaxPercent/100, p.windowMin)
	p.setWindowCap(p.windowMin)
	p.freq.init(share)
	p.ghost.init(share)
	p.climb.init(share)
	p.probation.resize(share + 64)
}

// reset forgets every entry and use, keeping the sizes.
func (p *policy) reset() {
	p.window.reset()
	p.probation.reset()
	p.protected.reset()
	p.probation.resize(p.share + 64)
	p.setWindowCap(p.windowMin)
	p.freq.reset()
	p.ghost.reset()
	p.climb.init(p.share)
}

// setWindowCap sets the window's target length to n and the protected
// ring's to its part of the rest.
func (p *policy) setWindowCap(n int) {
	p.windowCap = n
	p.protectedCap = (p.share - n) * protectedPercent / 100
}

// mainHasRoom reports whether an entry leaving the window may join the
// main space without taking a victim's place: the window (not counting the
// entry) is at or over its target, so the main space is under its own.
// Shards of a store hold their share of MaxEntries only on average, so the
// test is on the window's length, not the main space's.
func (p *policy) mainHasRoom() bool { return p.window.live >= p.windowCap }

// place queues e, a new entry of hash h, in the window. A key lately
// evicted from the window may make the window grow by one (see
// ghostMayGrow), the first time it comes back: a key that keeps coming
// back is one of a loop, which a longer window does not keep.
func (sh *shard) place(e *entry, h uint64) {
	p := &sh.pol
	p.freq.increment(h)
	sh.missed()
	e.setQueue(inWindow, 0)
	if found, again := p.ghost.take(h); found {
		e.markReturned()
		p.climb.returns++
		if !again && p.ghostMayGrow() {
			p.setWindowCap(p.windowCap + 1)
			p.climb.drift++
		}
	}
	p.window.push(e)
	// While the store fills, nothing is evicted, and the window would
	// grow to the whole shard. Moving its front entry on now does what
	// evictWindow will do when the store is full (while the main space has
	// room, every entry leaving the window joins it), in the same order.
	if p.window.live > p.windowCap && sh.bound.count.Load() < sh.bound.max {
		sh.toProbation(p.window.pop())
	}
}

// harvest moves the reads recorded in e since the policy last looked into
// the sketch, and clears them.
func (sh *shard) harvest(e *entry) {
	if f := e.freq(); f > 0 {
		h := sh.hash(e.key)
		for range f {
			sh.pol.freq.increment(h)
		}
		e.setQueue(e.queue(), 0)
	}
}

// toProbation moves e, just taken from another ring, to the back of the
// probation ring, counting its reads.
func (sh *shard) toProbation(e *entry) {
	sh.harvest(e)
	e.setQueue(inProbation, 0)
	sh.pol.probation.push(e)
}

// evict removes one entry to make room for a new one and reports whether
// it did (false only if the shard holds no entry). An expired entry goes
// first; otherwise the window is served while it is over its target, and
// the main space otherwise.
func (sh *shard) evict(now int64) bool {
	if e := sh.exp.nextExpired(now); e != nil {
		sh.remove(e, sh.hash(e.key))
		return true
	}
	p := &sh.pol
	if p.window.live > 0 && (p.window.live >= p.windowCap || p.probation.live+p.protected.live == 0) {
		if sh.evictWindow(now) {
			return true
		}
	}
	v := sh.mainVictim(now)
	if v == nil {
		return false
	}
	sh.evictVictim(v)
	return true
}

// evictWindow takes entries from the front of the window: while the main
// space has room, to the probation ring; the first one after that either
// takes the place of the main space's victim, if the sketch says it was
// used more often (TinyLFU's admission), or is evicted. It reports whether
// it evicted an entry (false if it moved them all).
func (sh *shard) evictWindow(now int64) bool {
	p := &sh.pol
	for e := p.window.pop(); e != nil; e = p.window.pop() {
		if e.expired(now) {
			e.setQueue(inNone, 0)
			sh.remove(e, sh.hash(e.key))
			return true
		}
		if p.mainHasRoom() {
			sh.toProbation(e)
			continue
		}
		sh.harvest(e)
		h := sh.hash(e.key)
		if v := sh.mainVictim(now); v == nil || sh.admits(h, v) {
			if v != nil {
				sh.evictVictim(v)
			}
			e.setQueue(inProbation, 0)
			p.probation.push(e)
			return true
		}
		again := e.returned()
		e.setQueue(inNone, 0)
		p.ghost.add(h, again)
		sh.remove(e, h)
		return true
	}
	return false
}

// mainVictim returns the entry the main space would evict next, leaving it
// at the front of the probation ring. It is W-TinyLFU's segmented LRU made
// of two CLOCKs: an entry at the front of the probation ring that was read
// since it got there is promoted to the protected ring; the first one that
// was not is the victim. When the protected ring is over its target, its
// front entries go back to probation, unless read since they last passed
// the front, which sends them round again. Reads are counted in the sketch
// as they are found. Expired entries met on the way are removed. It
// returns nil if the main space is empty.
//
// Readers may read an entry again as soon as it has passed: after a pass
// over every main entry, the front of the probation ring is the victim,
// read or not, so that readers cannot keep the lock holder going round.
func (sh *shard) mainVictim(now int64) *entry {
	p := &sh.pol
	for budget := p.probation.live + p.protected.live + 1; ; budget-- {
		for p.protected.live > p.protectedCap {
			e := p.protected.pop()
			if e.freq() > 0 && budget > 0 {
				budget--
				sh.harvest(e)
				p.protected.push(e)
				continue
			}
			sh.toProbation(e)
		}
		e := p.probation.front()
		if e == nil {
			if e = p.protected.pop(); e == nil {
				return nil
			}
			sh.toProbation(e)
			continue
		}
		if e.expired(now) {
			p.probation.pop()
			e.setQueue(inNone, 0)
			sh.remove(e, sh.hash(e.key))
			continue
		}
		if e.freq() == 0 || budget <= 0 {
			return e
		}
		p.probation.pop()
		sh.harvest(e)
		e.setQueue(inProtected, 0)
		e.markProven()
		p.protected.push(e)
	}
}

// evictVictim evicts v, the front of the probation ring.
func (sh *shard) evictVictim(v *entry) {
	sh.pol.probation.pop()
	v.setQueue(inNone, 0)
	sh.remove(v, sh.hash(v.key))
}

// admits reports whether the key of hash h, leaving the window, may take
// the place of v, the main space's victim: TinyLFU's test, that the sketch
// says it was used more often, by one more use if v was read in the main
// space. A key leaving the window has just been counted, and v's last use
// may be a read still in its entry: keys of equal popularity (a loop longer
// than the cache) would otherwise replace each other endlessly, and none
// stay long enough to be read again.
func (sh *shard) admits(h uint64, v *entry) bool {
	margin := uint64(0)
	if v.proven() {
		margin = 1
	}
	return sh.pol.freq.estimate(h) > sh.pol.freq.estimate(sh.hash(v.key))+margin
}
