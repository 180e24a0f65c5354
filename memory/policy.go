package memory

// This file is the eviction policy of a bounded shard (see the package doc
// for why this one). All of it runs under the shard's lock.

// policy is the state of a bounded shard's eviction policy.
type policy struct {
	share int // the shard's part of MaxEntries, which sizes everything below

	small ring // new keys, in order of insertion
	main  ring // keys that earned their place, a CLOCK

	// smallCap is the target length of the small queue, moved by ghost
	// hits between smallMin and smallMax.
	smallCap, smallMin, smallMax int

	freq       sketch // how often keys were used lately
	smallGhost ghost  // keys evicted from the small queue
	mainGhost  ghost  // keys evicted from the main queue
}

// Bounds of the small queue, in percent of the shard's share: it starts
// at the least, as W-TinyLFU's window does, and grows while keys evicted
// from it come back.
const (
	smallMinPercent = 1
	smallMaxPercent = 80
)

// admitMargin is how much more often than the main queue's victim a
// never-read key leaving the small queue must have been used to take the
// victim's place. With no margin, keys of equal frequency (a loop longer
// than the cache) replace each other endlessly and none stays long enough
// to be read again.
const admitMargin = 1

// init sizes p for a shard holding about share entries.
func (p *policy) init(share int) {
	p.share = share
	p.smallMin = max(share*smallMinPercent/100, 1)
	p.smallMax = max(share*smallMaxPercent/100, p.smallMin)
	p.smallCap = p.smallMin
	p.freq.init(share)
	p.smallGhost.init(share - p.smallMin)
	// Half the share: the main ghost only steers the small queue's size,
	// and remembering fewer main-queue keys steers it as well (better on
	// the database traces, a little worse on the workstation one).
	p.mainGhost.init(share / 2)
	p.main.resize(share + 64)
}

// reset forgets every entry and use, keeping the sizes.
func (p *policy) reset() {
	p.small.reset()
	p.main.reset()
	p.main.resize(p.share + 64)
	p.smallCap = p.smallMin
	p.freq.reset()
	p.smallGhost.reset()
	p.mainGhost.reset()
}

// mainHasRoom reports whether an entry may join the main queue without
// taking a victim's place: the small queue (not counting the entry) is at
// or over its target, so the main queue is under its own. Shards of a
// store hold their share of MaxEntries only on average, so the test is on
// the small queue's length, not the main queue's.
func (p *policy) mainHasRoom() bool { return p.small.live >= p.smallCap }

// place queues e, a new entry of hash h, for eviction. A key evicted from
// the small queue lately goes to the main queue, if it beats that queue's
// victim, and makes the small queue grow: it was evicted too early. A key
// evicted from the main queue lately makes the small queue shrink.
func (sh *shard) place(e *entry, h uint64, now int64) {
	p := &sh.pol
	p.freq.increment(h)
	if p.smallGhost.take(h) && sh.beats(h, now) {
		p.smallCap = min(p.smallCap+1, p.smallMax)
		e.setQueue(inMain, 0)
		p.main.push(e)
		return
	}
	if p.mainGhost.take(h) {
		p.smallCap = max(p.smallCap-1, p.smallMin)
	}
	e.setQueue(inSmall, 0)
	p.small.push(e)
	// While the store fills, nothing is evicted, and the small queue
	// would grow to the whole shard, its ring with it. Moving its front
	// entry on now does what evictSmall will do when the store is full
	// (while the main queue has room, every entry leaving the small queue
	// joins it), in the same order.
	if p.small.live > p.smallCap && sh.bound.count.Load() < sh.bound.max {
		sh.toMain(p.small.pop())
	}
}

// toMain moves e, just taken from the small queue, to the main queue,
// counting the reads it had there in the sketch.
func (sh *shard) toMain(e *entry) {
	p := &sh.pol
	if f := e.freq(); f > 0 {
		h := sh.hash(e.key)
		for range f {
			p.freq.increment(h)
		}
	}
	e.setQueue(inMain, 0)
	p.main.push(e)
}

// beats reports whether the key of hash h may take a place in the main
// queue: the queue has room, or the key was used more often than the
// queue's victim.
func (sh *shard) beats(h uint64, now int64) bool {
	p := &sh.pol
	if p.mainHasRoom() {
		return true
	}
	v := sh.mainVictim(now)
	return v == nil || p.freq.estimate(h) > p.freq.estimate(sh.hash(v.key))
}

// evict removes one entry to make room for a new one and reports whether
// it did (false only if the shard holds no entry). An expired entry goes
// first; otherwise the small queue is served while it is at least its
// target length, and the main queue otherwise.
func (sh *shard) evict(now int64) bool {
	if e := sh.exp.nextExpired(now); e != nil {
		sh.remove(e, sh.hash(e.key))
		return true
	}
	p := &sh.pol
	if p.small.live > 0 && (p.small.live >= p.smallCap || p.main.live == 0) {
		if sh.evictSmall(now) {
			return true
		}
	}
	return sh.evictMain(now)
}

// evictSmall takes entries from the front of the small queue: one read
// since it was inserted moves to the main queue, as one not read does
// while the main queue has room; the first of the others is evicted,
// unless it was used more often than the main queue's victim, which it
// then replaces (TinyLFU's admission, which keeps a loop's keys from
// pushing each other out). It reports whether it evicted an entry (false
// if it moved them all).
func (sh *shard) evictSmall(now int64) bool {
	p := &sh.pol
	for e := p.small.pop(); e != nil; e = p.small.pop() {
		h := sh.hash(e.key)
		if e.expired(now) {
			e.setQueue(inNone, 0)
			sh.remove(e, h)
			return true
		}
		if e.freq() > 0 || p.mainHasRoom() {
			sh.toMain(e)
			continue
		}
		if v := sh.mainVictim(now); v == nil || p.freq.estimate(h) > p.freq.estimate(sh.hash(v.key))+admitMargin {
			if v != nil {
				sh.evictFromMain(v)
			}
			e.setQueue(inMain, 0)
			p.main.push(e)
			return true
		}
		e.setQueue(inNone, 0)
		p.smallGhost.add(h)
		sh.remove(e, h)
		return true
	}
	return false
}

// mainVictim returns the entry the main queue would evict next, leaving it
// at the front: a CLOCK, where an entry read since it last reached the
// front goes round again with one read taken (and counted in the sketch),
// and the first one not read is the victim. Expired entries it meets are
// removed. It returns nil if the main queue is empty.
func (sh *shard) mainVictim(now int64) *entry {
	p := &sh.pol
	for e := p.main.front(); e != nil; e = p.main.front() {
		if e.expired(now) {
			p.main.pop()
			e.setQueue(inNone, 0)
			sh.remove(e, sh.hash(e.key))
			continue
		}
		if !e.takeRead() {
			return e
		}
		p.freq.increment(sh.hash(e.key))
		p.main.pop()
		p.main.push(e)
	}
	return nil
}

// evictMain evicts the main queue's victim and reports whether there was
// one.
func (sh *shard) evictMain(now int64) bool {
	v := sh.mainVictim(now)
	if v == nil {
		return false
	}
	sh.evictFromMain(v)
	return true
}

// evictFromMain evicts v, the front of the main queue, remembering its key
// in the main ghost.
func (sh *shard) evictFromMain(v *entry) {
	h := sh.hash(v.key)
	sh.pol.main.pop()
	v.setQueue(inNone, 0)
	sh.pol.mainGhost.add(h)
	sh.remove(v, h)
}
