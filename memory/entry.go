package memory

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// entry is one key of a shard: 48 bytes, the smallest size class that
// holds a key, a value, a version and an expiry.
//
// Readers take no lock: they find the entry in the shard's table and read
// it as a sequence lock (seqlock). A writer, who holds the shard's lock,
// sets stWriting in state, stores the value's two words and the expiry,
// and then stores the new version with stWriting clear; a reader loads
// state, the value and the expiry, and state again, and keeps what it read
// only if both loads of state show the same version, neither of them
// writing. Every field a reader loads is atomic, so the race detector sees
// no race, and Go's atomics are sequentially consistent, which is what a
// seqlock needs. A value and its version are therefore always read as one:
// a CompareAndSwap with the version read can never overwrite a value the
// reader did not see.
//
// The value is held as the two words of its interface, each in an atomic
// pointer: the type word points to the value's type descriptor (which the
// garbage collector ignores outside the heap, and which stays alive as
// long as the type does), the data word to the value or its box. Storing
// both words separately is what lets a reader see a value without a
// pointer to a fresh box per write (which would cost an allocation per Set
// and 16 bytes per entry). An entry written by SetWord is a wordEntry
// instead, whose data word is the value itself (see word.go).
type entry struct {
	key     string         // set before the entry is published, never changed
	typ     unsafe.Pointer // atomic: type word of the value
	data    unsafe.Pointer // atomic: data word of the value
	state   atomic.Uint64  // see the st* constants
	expires atomic.Int64   // in the store's clock (see Store.now); 0: never
}

// The bits of entry.state. The version, unique in the store and increasing
// per key (see shard.nextVersion), is in the top 55 bits.
const (
	stWriting uint64 = 1 << 0 // a writer is changing the value
	stDead    uint64 = 1 << 1 // removed: the entry is no longer the key's

	freqShift        = 2
	stFreq    uint64 = 3 << freqShift // reads since the policy last looked, capped at maxFreq
	maxFreq          = 3

	queueShift        = 4
	stQueue    uint64 = 3 << queueShift // where the policy holds the entry (inNone, inWindow, ...)

	stReturned uint64 = 1 << 6 // the key came back soon after an eviction (see shard.place)
	stProven   uint64 = 1 << 7 // read in the main space since it got there
	stWord     uint64 = 1 << 8 // a wordEntry, from its making to its end

	verShift = 9
	verBits  = 64 - verShift
	stFlags  = 1<<verShift - 1 // everything but the version

	// stStable is what a reader's two loads of state must agree on: the
	// policy's bits may change while a value is read.
	stStable = ^(stFreq | stQueue | stReturned | stProven)
)

// Where an entry is queued for eviction.
const (
	inNone      uint64 = iota // unbounded store, or on its way out: no queue
	inWindow                  // the window, where new keys start
	inProbation               // the main space's ring of keys not read there lately
	inProtected               // the main space's ring of keys read there
)

// readSpins is how many times a reader tries to read an entry that a
// writer is changing before it takes the shard's lock instead.
const readSpins = 4

// eface is the layout of an interface value without methods.
type eface struct {
	typ, data unsafe.Pointer
}

// snapshot is what a reader got from an entry: its value as an interface,
// or, from a wordEntry, as its type and bits.
type snapshot struct {
	val     any
	typ     unsafe.Pointer // type of a word value
	bits    uint64         // a word value
	word    bool
	version uint64
	expires int64
}

// value returns the value of s as a Go value. A word value is boxed for
// it, which allocates: GetWord reads it without.
func (s *snapshot) value() any {
	if !s.word {
		return s.val
	}
	return boxWord(s.typ, s.bits)
}

// read returns a consistent snapshot of e without a lock. ok is false if e
// has been removed (the key is absent, or its entry was replaced), and
// retry is true if a writer kept changing e: the caller then reads under
// the shard's lock.
func (e *entry) read() (s snapshot, ok, retry bool) {
	for i := 0; i < readSpins; i++ {
		s1 := e.state.Load()
		if s1&stDead != 0 {
			return s, false, false
		}
		if s1&stWriting == 0 {
			e.load(&s, s1)
			if s2 := e.state.Load(); s1&stStable == s2&stStable {
				return s, true, false
			}
			s = snapshot{}
		}
		runtime.Gosched()
	}
	return s, false, true
}

// load fills s with e's value, expiry and version, taken from state.
func (e *entry) load(s *snapshot, state uint64) {
	if state&stWord != 0 {
		s.word = true
		s.typ = atomic.LoadPointer(&e.typ)
		s.bits = e.wordBits().Load()
	} else {
		p := (*eface)(unsafe.Pointer(&s.val))
		p.typ = atomic.LoadPointer(&e.typ)
		p.data = atomic.LoadPointer(&e.data)
	}
	s.expires = e.expires.Load()
	s.version = state >> verShift
}

// locked returns e's snapshot; the shard's lock must be held, so no writer
// is active.
func (e *entry) locked() snapshot {
	var s snapshot
	e.load(&s, e.state.Load())
	return s
}

// value returns e's value (a word value boxed); the shard's lock must be
// held.
func (e *entry) value() any {
	s := e.locked()
	return s.value()
}

// isWord reports whether e is a wordEntry.
func (e *entry) isWord() bool { return e.state.Load()&stWord != 0 }

// holds reports whether e can hold val in place: it is of val's kind and,
// for a word, of its type (see setWord). The shard's lock must be held.
func (e *entry) holds(val stored) bool {
	if !val.word {
		return !e.isWord()
	}
	return e.isWord() && atomic.LoadPointer(&e.typ) == val.typ
}

// version returns e's version.
func (e *entry) version() uint64 { return e.state.Load() >> verShift }

// expired reports whether e has expired at time now.
func (e *entry) expired(now int64) bool {
	x := e.expires.Load()
	return x != 0 && now >= x
}

// dead reports whether e has been removed.
func (e *entry) dead() bool { return e.state.Load()&stDead != 0 }

// set gives e, which must not be a wordEntry, the value val, the version
// ver and the expiry expires. The shard's lock must be held.
func (e *entry) set(val any, ver uint64, expires int64) {
	e.state.Or(stWriting)
	p := (*eface)(unsafe.Pointer(&val))
	if atomic.LoadPointer(&e.typ) != p.typ {
		atomic.StorePointer(&e.typ, p.typ)
	}
	atomic.StorePointer(&e.data, p.data)
	e.written(ver, expires)
}

// setWord gives e, a wordEntry, the value of type typ whose bits are
// bits, the version ver and the expiry expires. A wordEntry's type is set
// once, when it is made (see shard.update, which replaces one to change
// it), and its bits are stored before its expiry (see Store.GetWord). The
// shard's lock must be held.
func (e *entry) setWord(typ unsafe.Pointer, bits uint64, ver uint64, expires int64) {
	e.state.Or(stWriting)
	if atomic.LoadPointer(&e.typ) == nil {
		atomic.StorePointer(&e.typ, typ)
	}
	e.wordBits().Store(bits)
	e.written(ver, expires)
}

// write gives e the value val (which must be of e's kind, see
// shard.update), the version ver and the expiry expires. The shard's lock
// must be held.
func (e *entry) write(val stored, ver uint64, expires int64) {
	if val.word {
		e.setWord(val.typ, val.bits, ver, expires)
	} else {
		e.set(val.val, ver, expires)
	}
}

// written ends a write begun by setting stWriting: it stores the expiry
// and the version, and clears stWriting. An expiry that does not change
// is not stored again: every atomic store is a locked instruction.
func (e *entry) written(ver uint64, expires int64) {
	if e.expires.Load() != expires {
		e.expires.Store(expires)
	}
	e.update(func(s uint64) uint64 {
		return s&(stFlags&^stWriting) | ver<<verShift
	})
}

// kill marks e removed and drops its value, so that the queues and the
// expiry heap, which may still point to e for a while, do not keep the
// value alive. The shard's lock must be held.
func (e *entry) kill() {
	s := e.state.Or(stWriting | stDead)
	atomic.StorePointer(&e.typ, nil)
	if s&stWord == 0 {
		atomic.StorePointer(&e.data, nil)
	}
	e.state.And(^stWriting)
}

// update replaces e's state with f of it. Readers may change the
// frequency bits at the same time, so it retries until its change lands
// on the state it read.
func (e *entry) update(f func(uint64) uint64) {
	for {
		s := e.state.Load()
		if e.state.CompareAndSwap(s, f(s)) {
			return
		}
	}
}

// touch records a read of e for the eviction policy. Once the counter is
// at its cap a read writes nothing, so hot keys cause no cache-line
// traffic between cores. A bump lost to a race is a read not counted,
// which the policy tolerates.
func (e *entry) touch() {
	s := e.state.Load()
	if s&stFreq != stFreq && s&stQueue != 0 {
		e.state.CompareAndSwap(s, s+1<<freqShift)
	}
}

// freq returns e's read counter.
func (e *entry) freq() uint64 { return e.state.Load() & stFreq >> freqShift }

// queue returns where the policy holds e.
func (e *entry) queue() uint64 { return e.state.Load() & stQueue >> queueShift }

// setQueue files e under queue q with its read counter at freq. The
// shard's lock must be held.
func (e *entry) setQueue(q, freq uint64) {
	e.update(func(s uint64) uint64 {
		return s&^(stQueue|stFreq) | q<<queueShift | freq<<freqShift
	})
}

// moveTo files e under queue q, keeping its read counter. The shard's
// lock must be held.
func (e *entry) moveTo(q uint64) {
	e.update(func(s uint64) uint64 { return s&^stQueue | q<<queueShift })
}

// proven reports whether e was read in the main space.
func (e *entry) proven() bool { return e.state.Load()&stProven != 0 }

// markProven records that e was read in the main space. The shard's lock
// must be held.
func (e *entry) markProven() {
	e.update(func(s uint64) uint64 { return s | stProven })
}

// returned reports whether e's key came back soon after being evicted.
func (e *entry) returned() bool { return e.state.Load()&stReturned != 0 }

// markReturned records that e's key came back soon after being evicted. The
// shard's lock must be held.
func (e *entry) markReturned() {
	e.update(func(s uint64) uint64 { return s | stReturned })
}

// takeRead decrements e's read counter if it is not zero, and reports
// whether it did. The shard's lock must be held.
func (e *entry) takeRead() bool {
	for {
		s := e.state.Load()
		if s&stFreq == 0 {
			return false
		}
		if e.state.CompareAndSwap(s, s-1<<freqShift) {
			return true
		}
	}
}
