// Package leasewait is the table of the goroutines that wait for a change
// of a key of one store instance: each store of this module keeps one
// Table, and wakes the waiters of a key through it when the key changes,
// whether the change was made by this instance (at once) or learnt from
// its backend (a Redis invalidation, a memcached poll). No polling, no
// goroutines, no timers of its own.
//
// A waiter calls Wait and receives a channel that is closed by the next
// Wake of the same key; it calls done when it stops waiting, for whatever
// reason (woken, timed out, cancelled). Every waiter of one key shares one
// entry: a channel and a count of the waiters that have not called done
// yet. Wake closes the channel and removes the entry at once, so that
// waiters arriving after it (who wait for the next change) get a fresh
// channel; done removes the entry when its last waiter leaves, but only if
// it is still the entry in the table. That last check is what makes every
// interleaving of wait, wake, new waiter and give-up safe: a waiter that
// leaves after a Wake never touches the entry of the waiters who came after
// it.
//
// Wake of a key that nobody waits on is the common case (a write of a key
// that is no lock, or of an uncontended one) and costs one atomic load when
// nobody waits on anything, one more when nobody waits on a key of its
// shard, and one map lookup under a read lock otherwise; it never
// allocates.
package leasewait

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// shardCount is the number of independently locked parts of a Table.
const shardCount = 64

// seed hashes keys onto shards; one for the process is enough.
var seed = maphash.MakeSeed()

// entry is the state shared by the waiters of one key.
type entry struct {
	ch chan struct{} // closed by Wake
	n  int           // waiters that have not called done; guarded by the shard's mu
}

type shard struct {
	mu sync.RWMutex
	m  map[string]*entry
	// size is len(m), readable without mu so that Wake can skip an empty
	// shard without locking.
	size atomic.Int64
	_    [24]byte // pads a shard to 64 bytes: one cache line each
}

// Table is the waiters of the keys of one store instance. The zero value is
// an empty table, ready to use; a Table must not be copied after first use.
type Table struct {
	// entries is the number of entries of all shards, so that Wake of an
	// unwatched key, the common case, returns before hashing it.
	entries atomic.Int64
	shards  [shardCount]shard
}

func (t *Table) shardOf(key string) *shard {
	return &t.shards[maphash.String(seed, key)%shardCount]
}

// Wait registers a waiter for the next change of key and returns a channel
// that the next Wake(key) closes. The caller must call done exactly when it
// stops waiting, whether the channel was closed or not; done is safe to
// call more than once.
//
// A Wake that happened before Wait is not seen: callers register first and
// then read the key.
func (t *Table) Wait(key string) (woken <-chan struct{}, done func()) {
	s := t.shardOf(key)
	s.mu.Lock()
	e := s.m[key]
	if e == nil {
		if s.m == nil {
			s.m = make(map[string]*entry)
		}
		e = &entry{ch: make(chan struct{})}
		s.m[key] = e
		s.size.Add(1)
		t.entries.Add(1)
	}
	e.n++
	s.mu.Unlock()

	left := false // guarded by s.mu
	return e.ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if left {
			return
		}
		left = true
		e.n--
		// After a Wake the table may hold a newer entry for key, whose
		// waiters are not ours to remove.
		if e.n == 0 && s.m[key] == e {
			delete(s.m, key)
			s.size.Add(-1)
			t.entries.Add(-1)
		}
	}
}

// Wake wakes every goroutine waiting on key (closes their channel) and
// forgets them: later calls to Wait get a new channel. It does nothing, and
// allocates nothing, when nobody waits.
func (t *Table) Wake(key string) {
	if t.entries.Load() == 0 {
		return
	}
	s := t.shardOf(key)
	if s.size.Load() == 0 {
		return
	}
	s.mu.RLock()
	e := s.m[key]
	s.mu.RUnlock()
	if e == nil {
		return
	}
	s.mu.Lock()
	// Another Wake may have closed e (and waiters may have made a new
	// entry) since the read lock was dropped: close whatever is current.
	if e = s.m[key]; e != nil {
		close(e.ch)
		delete(s.m, key)
		s.size.Add(-1)
		t.entries.Add(-1)
	}
	s.mu.Unlock()
}

// WakeAll wakes every waiter of every key: for a change of the whole store,
// such as Clear, or a reconnection after which changes may have been missed.
func (t *Table) WakeAll() {
	if t.entries.Load() == 0 {
		return
	}
	for i := range t.shards {
		s := &t.shards[i]
		if s.size.Load() == 0 {
			continue
		}
		s.mu.Lock()
		for key, e := range s.m {
			close(e.ch)
			delete(s.m, key)
			s.size.Add(-1)
			t.entries.Add(-1)
		}
		s.mu.Unlock()
	}
}

// Keys returns the keys that have waiters.
func (t *Table) Keys() []string {
	var keys []string
	for i := range t.shards {
		s := &t.shards[i]
		if s.size.Load() == 0 {
			continue
		}
		s.mu.RLock()
		for key := range s.m {
			keys = append(keys, key)
		}
		s.mu.RUnlock()
	}
	return keys
}

// Waiting returns the number of goroutines waiting on key that the next
// Wake will wake.
func (t *Table) Waiting(key string) int {
	s := t.shardOf(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.m[key]; e != nil {
		return e.n
	}
	return 0
}

// Len returns the number of keys with at least one waiter that has been
// neither woken nor given up. It is 0 when nobody waits.
func (t *Table) Len() int {
	return int(t.entries.Load())
}
