package memory

import (
	"hash/maphash"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/cachekit/cachekit/internal/leasewait"
)

// shard is one independently locked part of a Store. Readers use only tab
// and the entries it points to, without the lock; writers hold mu.
type shard struct {
	tab atomic.Pointer[table]
	// counting tells readers to count their hits in hits (see hits.go).
	// It shares the line of tab, which every read loads.
	counting atomic.Bool
	// Keeps the lock, which every write takes, off the cache line of tab.
	_ [55]byte

	hits hitCounter // the hits of a bounded shard, for its climber

	// mu guards every field below, the changes of tab and of the entries.
	mu sync.Mutex

	seed    maphash.Seed     // the store's
	bound   *bound           // the store's entry count; nil when unbounded
	peers   []shard          // the store's shards, this one included
	waiters *leasewait.Table // the store's watches, woken by every change of a key

	seq    uint64 // writes so far in this shard
	id     uint64 // index of this shard
	idBits uint   // log2 of the number of shards

	ttl int        // entries with an expiry
	exp expiryHeap // the entries with an expiry, earliest first
	pol policy     // eviction; unused when unbounded

	// Keeps the next shard's tab off this shard's last cache line.
	_ [64]byte
}

// bound is the shared count of a bounded store's entries. A shard that
// inserts a key takes a place in the count first and, if that passes max,
// evicts one of its own entries, so that the store holds max entries, not
// each shard its share (which, with keys spread at random, would leave a
// fraction of a percent of the bound unused).
type bound struct {
	max   int64
	count atomic.Int64
}

// init prepares sh as shard id of 1<<idBits, with share as its part of the
// store's bound b (nil: unbounded).
func (sh *shard) init(id uint64, idBits uint, seed maphash.Seed, b *bound, share int, peers []shard, waiters *leasewait.Table) {
	sh.id, sh.idBits, sh.peers = id, idBits, peers
	sh.seed, sh.bound, sh.waiters = seed, b, waiters
	if b != nil {
		sh.pol.init(share)
		sh.tab.Store(newTable(share + share/32))
	} else {
		sh.tab.Store(newTable(0))
	}
}

// hash returns the hash of key, as the store computes it.
func (sh *shard) hash(key string) uint64 { return maphash.String(sh.seed, key) }

// nextVersion returns a version for a write in this shard: larger than any
// earlier one of the shard, and different from those of other shards
// (until the shard's 2^(55-log2(shards)) writes wrap the counter).
func (sh *shard) nextVersion() uint64 {
	sh.seq++
	return (sh.seq<<sh.idBits | sh.id) & (1<<verBits - 1)
}

// live returns the unexpired entry of key (of hash h), or nil. An expired
// entry is removed. The lock must be held.
func (sh *shard) live(key string, h uint64, now int64) *entry {
	e := sh.tab.Load().find(key, h)
	if e != nil && e.expired(now) {
		sh.remove(e, h)
		return nil
	}
	return e
}

// insert stores a new entry for key, which must be absent, evicting first
// if the store is full. The lock must be held.
func (sh *shard) insert(key string, h uint64, val stored, expires, now int64) *entry {
	if sh.bound != nil && sh.bound.count.Add(1) > sh.bound.max {
		sh.makeRoom(now)
	}
	e := newEntry(key, val.word)
	e.write(val, sh.nextVersion(), expires)
	t := sh.tab.Load()
	if t.full() {
		sh.grow(t)
		t = sh.tab.Load()
	}
	if sh.bound != nil {
		sh.place(e, h)
	}
	t.insert(e, h)
	if expires != 0 {
		sh.ttl++
		sh.exp.push(e, expires)
	}
	sh.waiters.Wake(key)
	return e
}

// grow replaces the full table t with one without tombstones and with room
// to grow: twice the entries in an unbounded shard, an eighth more in a
// bounded one, which holds about its share. The lock must be held.
func (sh *shard) grow(t *table) {
	n := 2*t.live + 1
	if sh.bound != nil {
		n = max(t.live+t.live/8, sh.pol.share+sh.pol.share/32)
	}
	sh.tab.Store(t.rebuilt(n, func(e *entry) uint64 { return sh.hash(e.key) }))
}

// makeRoom evicts entries until the store's count is within its bound:
// this shard's own, or, when it has none left (its keys went to other
// shards), another shard's. The lock must be held. Other shards' locks are
// only tried, never waited for: a writer holding one either has entries to
// evict and will let go, or has none and tries the others as this one
// does.
func (sh *shard) makeRoom(now int64) {
	for sh.bound.count.Load() > sh.bound.max {
		if sh.evict(now) {
			continue
		}
		evicted := false
		for i := 1; i < len(sh.peers) && !evicted; i++ {
			p := &sh.peers[(int(sh.id)+i)%len(sh.peers)]
			if p.mu.TryLock() {
				evicted = p.evict(now)
				p.mu.Unlock()
			}
		}
		if !evicted {
			runtime.Gosched()
		}
	}
}

// update gives the live entry e of key hash h a new value and expiry, and
// returns the key's entry: e, or, when e cannot hold val (a wordEntry and
// val no word, or a word of another type, or the other way round), a new
// entry that took e's place. An overwrite counts as a use of the key for eviction. The
// lock must be held.
func (sh *shard) update(e *entry, h uint64, val stored, expires int64) *entry {
	old := e.expires.Load()
	if !e.holds(val) {
		e = sh.replace(e, h, val, expires)
	} else {
		e.write(val, sh.nextVersion(), expires)
	}
	sh.expiryChanged(e, old, expires)
	if sh.bound != nil {
		e.touch()
	}
	sh.waiters.Wake(e.key)
	return e
}

// replace puts a new entry of val's kind, holding val and the expiry
// expires, in the place of e, whose key has hash h, and returns it: it
// takes e's place in the table and in the policy's queues (at the back of
// e's ring, with e's reads and marks), and an item of its own in the
// expiry heap. It is written before it is published, so readers see e's
// value or val; those holding e find it removed and look the key up again
// (see Store.load). The lock must be held.
func (sh *shard) replace(e *entry, h uint64, val stored, expires int64) *entry {
	n := newEntry(e.key, val.word)
	n.write(val, sh.nextVersion(), expires)
	n.state.Or(e.state.Load() & (stFreq | stQueue | stReturned | stProven))
	sh.tab.Load().replace(e, n, h)
	switch e.queue() {
	case inWindow:
		sh.pol.window.push(n)
		sh.pol.window.died()
	case inProbation:
		sh.pol.probation.push(n)
		sh.pol.probation.died()
	case inProtected:
		sh.pol.protected.push(n)
		sh.pol.protected.died()
	}
	if expires != 0 {
		sh.exp.push(n, expires)
	}
	e.kill()
	return n
}

// setExpires changes the expiry of the live entry e, keeping its value and
// version. The lock must be held.
func (sh *shard) setExpires(e *entry, expires int64) {
	old := e.expires.Load()
	e.expires.Store(expires)
	sh.expiryChanged(e, old, expires)
	sh.waiters.Wake(e.key)
}

// expiryChanged keeps the expiry heap and count in step with a change of
// e's expiry from old to new. The lock must be held.
func (sh *shard) expiryChanged(e *entry, old, new int64) {
	switch {
	case old == 0 && new != 0:
		sh.ttl++
	case old != 0 && new == 0:
		sh.ttl--
	}
	if needsItem(old, new) {
		sh.exp.push(e, new)
	}
	sh.compactExpiry()
}

// compactExpiry compacts the expiry heap when it holds more than twice the
// items it needs, which keeps its upkeep amortised O(1) per write. The
// lock must be held.
func (sh *shard) compactExpiry() {
	if len(sh.exp) > 2*sh.ttl+64 {
		sh.exp.compact()
	}
}

// remove deletes e, whose key has hash h, from the shard. The lock must be
// held.
func (sh *shard) remove(e *entry, h uint64) {
	if !sh.tab.Load().remove(e, h) {
		return
	}
	switch e.queue() {
	case inWindow:
		sh.pol.window.died()
	case inProbation:
		sh.pol.probation.died()
	case inProtected:
		sh.pol.protected.died()
	}
	hadExpiry := e.expires.Load() != 0
	e.kill()
	if hadExpiry {
		sh.ttl--
		sh.compactExpiry()
	}
	if sh.bound != nil {
		sh.bound.count.Add(-1)
	}
	sh.waiters.Wake(e.key)
}

// removeExpired removes up to budget entries that have expired at now and
// reports whether more remain. The lock must be held.
func (sh *shard) removeExpired(now int64, budget int) (more bool) {
	for ; budget > 0; budget-- {
		e := sh.exp.nextExpired(now)
		if e == nil {
			return false
		}
		sh.remove(e, sh.hash(e.key))
	}
	return len(sh.exp) > 0 && sh.exp.peek().at <= now
}

// len returns the number of entries. The lock must be held.
func (sh *shard) len() int { return sh.tab.Load().live }

// reset empties the shard, keeping its version sequence so that versions
// stay unique. Readers still on the old table may see its entries until
// they return. The lock must be held.
func (sh *shard) reset() {
	t := sh.tab.Load()
	if sh.bound != nil {
		sh.bound.count.Add(-int64(t.live))
		sh.pol.reset()
		sh.tab.Store(newTable(sh.pol.share + sh.pol.share/32))
	} else {
		sh.tab.Store(newTable(0))
	}
	sh.exp, sh.ttl = nil, 0
}
