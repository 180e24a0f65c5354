// Package leasewait coordinates the goroutines of this process that wait
// for a lease lock to be released, per store instance and lock key, through
// channels: no polling, no goroutines, no timers.
//
// A waiter calls Wait and receives a channel that is closed by the next
// Release of the same store and key; it calls done when it stops waiting,
// for whatever reason (woken, timed out, cancelled). Every waiter of one
// store and key shares one entry: a channel and a count of the waiters that
// have not called done yet. Release closes the channel and removes the
// entry at once, so that waiters arriving after it (who wait for the next
// holder) get a fresh channel; done removes the entry when its last waiter
// leaves, but only if it is still the entry in the table. That last check
// is what makes every interleaving of wait, release, new holder and
// give-up safe: a waiter that leaves after a Release never touches the
// entry of the waiters who came after it.
//
// Release of a key that nobody waits on is the common case (a lock that was
// not contended) and costs one atomic load when nobody waits on anything,
// one more when nobody waits on a key of its shard, and one map lookup
// under a read lock otherwise; it never allocates.
package leasewait

import (
	"hash/maphash"
	"reflect"
	"sync"
	"sync/atomic"
)

// shardCount is the number of independently locked parts of the table.
const shardCount = 64

// waitKey names the waiters of one lock: a store instance and a lock key.
type waitKey struct {
	store any
	key   string
}

// entry is the state shared by the waiters of one waitKey.
type entry struct {
	ch chan struct{} // closed by Release
	n  int           // waiters that have not called done; guarded by the shard's mu
}

type shard struct {
	mu sync.RWMutex
	m  map[waitKey]*entry
	// size is len(m), readable without mu so that Release can skip an
	// empty shard without locking.
	size atomic.Int64
	_    [24]byte // pads a shard to 64 bytes: one cache line each
}

var (
	seed   = maphash.MakeSeed()
	shards [shardCount]shard
	// entries is the number of entries of all shards, so that Release of
	// an uncontended lock, the common case, returns before hashing its key.
	entries atomic.Int64
)

func shardOf(key string) *shard {
	return &shards[maphash.String(seed, key)%shardCount]
}

// identity returns the value that stands for store in the table. Stores are
// normally pointers, which are comparable and name one instance. A store
// of a type that cannot be a map key is represented by its type instead:
// waiters of two such instances on the same key then wake each other, which
// is early but never wrong for a lease lock, whose waiters may always go on.
func identity(store any) any {
	if store == nil {
		return nil
	}
	if t := reflect.TypeOf(store); !t.Comparable() || hasInterface(t) {
		return t
	}
	return store
}

// hasInterface reports whether values of t may hold an interface, whose
// dynamic value could make a comparison panic.
func hasInterface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Array:
		return hasInterface(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasInterface(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// Wait registers a waiter for the release of key on store and returns a
// channel that the next Release(store, key) closes. The caller must call
// done exactly when it stops waiting, whether the channel was closed or
// not; done is safe to call more than once. store identifies a store
// instance (normally a pointer).
//
// A Release that happened before Wait is not seen: callers register first
// and then check whether the lock is still held.
func Wait(store any, key string) (released <-chan struct{}, done func()) {
	k := waitKey{store: identity(store), key: key}
	s := shardOf(key)
	s.mu.Lock()
	e := s.m[k]
	if e == nil {
		if s.m == nil {
			s.m = make(map[waitKey]*entry)
		}
		e = &entry{ch: make(chan struct{})}
		s.m[k] = e
		s.size.Add(1)
		entries.Add(1)
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
		// After a Release the table may hold a newer entry for k, whose
		// waiters are not ours to remove.
		if e.n == 0 && s.m[k] == e {
			delete(s.m, k)
			s.size.Add(-1)
			entries.Add(-1)
		}
	}
}

// Release wakes every goroutine waiting on key of store (closes their
// channel) and forgets them: later calls to Wait get a new channel. It does
// nothing, and allocates nothing, when nobody waits.
func Release(store any, key string) {
	if entries.Load() == 0 {
		return
	}
	s := shardOf(key)
	if s.size.Load() == 0 {
		return
	}
	k := waitKey{store: identity(store), key: key}
	s.mu.RLock()
	e := s.m[k]
	s.mu.RUnlock()
	if e == nil {
		return
	}
	s.mu.Lock()
	// Another Release may have closed e (and waiters may have made a new
	// entry) since the read lock was dropped: close whatever is current.
	if e = s.m[k]; e != nil {
		close(e.ch)
		delete(s.m, k)
		s.size.Add(-1)
		entries.Add(-1)
	}
	s.mu.Unlock()
}

// Waiting returns the number of goroutines waiting on key of store that
// will be woken by the next Release. Tests use it to know that a waiter is
// in place.
func Waiting(store any, key string) int {
	k := waitKey{store: identity(store), key: key}
	s := shardOf(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.m[k]; e != nil {
		return e.n
	}
	return 0
}

// Len returns the number of entries in the table: pairs of a store and a
// key with at least one waiter that has been neither released nor given
// up. It is 0 when nobody waits; tests use it to check that nothing is left
// behind.
func Len() int {
	return int(entries.Load())
}
