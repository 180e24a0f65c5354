package memory

import (
	"sync"

	"github.com/cachekit/cachekit/internal/leasewait"
)

// shard is one independently locked part of a Store.
type shard struct {
	// mu guards every field below and the entries in m: readers take the
	// read lock (and may only bump entry.freq), writers the write lock.
	mu sync.RWMutex
	m  map[string]*entry

	capacity int // this shard's share of MaxEntries; 0: unbounded
	smallCap int // target length of the small queue
	small    fifo
	main     fifo
	ghost    ghost
	exp      expiryHeap

	seq    uint64 // writes so far in this shard
	id     uint64 // index of this shard
	idBits uint   // log2 of the number of shards

	waiters *leasewait.Table // the store's watches, woken by every change of a key

	// Keeps the lock of the next shard in the array off this shard's
	// last cache line.
	_ [64]byte
}

// init prepares sh as shard id of 1<<idBits, holding at most capacity
// entries (0: unbounded).
func (sh *shard) init(id uint64, idBits uint, capacity int, waiters *leasewait.Table) {
	sh.m = make(map[string]*entry)
	sh.waiters = waiters
	sh.id, sh.idBits = id, idBits
	sh.capacity = capacity
	if capacity > 0 {
		sh.smallCap = max(capacity/10, 1)
		sh.ghost.size = max(capacity-sh.smallCap, 1)
	}
}

// nextVersion returns a version for a write in this shard: larger than any
// earlier one of the shard, and different from those of other shards.
func (sh *shard) nextVersion() uint64 {
	sh.seq++
	return sh.seq<<sh.idBits | sh.id
}

// live returns the unexpired entry of key, or nil. An expired entry is
// removed. The write lock must be held.
func (sh *shard) live(key string, now int64) *entry {
	e := sh.m[key]
	if e != nil && e.expired(now) {
		sh.remove(e)
		return nil
	}
	return e
}

// insert stores a new entry for key, which must be absent, evicting first
// if the shard is full. The write lock must be held.
func (sh *shard) insert(key string, hash uint64, val any, expires, now int64) *entry {
	e := &entry{key: key, val: val, hash: hash, version: sh.nextVersion(), heapIdx: -1}
	if sh.capacity > 0 {
		for len(sh.m) >= sh.capacity && sh.evict(now) {
		}
		if sh.ghost.take(hash) {
			e.queue = inMain
			sh.main.pushHead(e)
		} else {
			e.queue = inSmall
			sh.small.pushHead(e)
		}
	}
	sh.m[key] = e
	sh.setExpires(e, expires)
	sh.waiters.Wake(key)
	return e
}

// update gives the live entry e a new value and expiry. An overwrite counts
// as a use of the key for eviction. The write lock must be held.
func (sh *shard) update(e *entry, val any, expires int64) {
	e.val = val
	e.version = sh.nextVersion()
	sh.setExpires(e, expires)
	if sh.capacity > 0 {
		e.touch()
	}
	sh.waiters.Wake(e.key)
}

// setExpires changes the expiry of e, keeping the expiry heap in step. The
// write lock must be held.
func (sh *shard) setExpires(e *entry, expires int64) {
	old := e.expires
	e.expires = expires
	switch {
	case old == 0 && expires != 0:
		sh.exp.push(e)
	case old != 0 && expires == 0:
		sh.exp.remove(e)
	case old != expires:
		sh.exp.fix(e.heapIdx)
	}
}

// remove deletes e from the shard. The write lock must be held.
func (sh *shard) remove(e *entry) {
	delete(sh.m, e.key)
	switch e.queue {
	case inSmall:
		sh.small.remove(e)
	case inMain:
		sh.main.remove(e)
	}
	e.queue = inNone
	if e.heapIdx >= 0 {
		sh.exp.remove(e)
	}
	sh.waiters.Wake(e.key)
}

// removeExpired removes up to budget entries that have expired at now and
// reports whether more remain. The write lock must be held.
func (sh *shard) removeExpired(now int64, budget int) (more bool) {
	for e := sh.exp.peek(); e != nil && e.expired(now); e = sh.exp.peek() {
		if budget == 0 {
			return true
		}
		sh.remove(e)
		budget--
	}
	return false
}

// reset empties the shard, keeping its version sequence so that versions
// stay unique. The write lock must be held.
func (sh *shard) reset() {
	sh.m = make(map[string]*entry)
	sh.small, sh.main = fifo{}, fifo{}
	sh.ghost.reset()
	sh.exp = nil
}
