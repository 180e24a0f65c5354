package memory

// This file is the eviction policy of a bounded shard, S3-FIFO (see the
// package doc). All of it runs under the shard's lock.

// policy is the state of a bounded shard's eviction policy.
type policy struct {
	share int // the shard's part of MaxEntries, which sizes everything below

	small ring // new keys, in order of insertion
	main  ring // keys that earned their place, a CLOCK

	smallCap int   // target length of the small queue
	ghost    ghost // keys evicted from the small queue
}

// init sizes p for a shard holding about share entries.
func (p *policy) init(share int) {
	p.share = share
	p.smallCap = max(share/10, 1)
	p.ghost.init(max(share-p.smallCap, 1))
	p.main.resize(share + 64)
}

// reset forgets every entry, keeping the sizes.
func (p *policy) reset() {
	p.small.reset()
	p.main.reset()
	p.main.resize(p.share + 64)
	p.ghost.reset()
}

// place queues e, a new entry of hash h, for eviction: in the main queue
// if its key was evicted from the small queue lately, in the small queue
// otherwise.
func (sh *shard) place(e *entry, h uint64, _ int64) {
	p := &sh.pol
	if p.ghost.take(h) {
		e.setQueue(inMain, 0)
		p.main.push(e)
		return
	}
	e.setQueue(inSmall, 0)
	p.small.push(e)
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
// since it was inserted moves to the main queue; the first one that was
// not is evicted and its key remembered in the ghost. It reports whether
// it evicted an entry (false if it moved them all).
func (sh *shard) evictSmall(now int64) bool {
	p := &sh.pol
	for e := p.small.pop(); e != nil; e = p.small.pop() {
		h := sh.hash(e.key)
		if e.expired(now) {
			e.setQueue(inNone, 0)
			sh.remove(e, h)
			return true
		}
		if e.freq() > 0 {
			e.setQueue(inMain, 0)
			p.main.push(e)
			continue
		}
		e.setQueue(inNone, 0)
		p.ghost.add(h)
		sh.remove(e, h)
		return true
	}
	return false
}

// mainVictim returns the entry the main queue would evict next, leaving it
// at the front: a CLOCK, where an entry read since it last reached the
// front goes round again with one read taken, and the first one not read
// is the victim. Expired entries it meets are removed. It returns nil if
// the main queue is empty.
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
	sh.pol.main.pop()
	v.setQueue(inNone, 0)
	sh.remove(v, sh.hash(v.key))
	return true
}
