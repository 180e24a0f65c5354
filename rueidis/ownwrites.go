package rueidis

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"
)

// ownWriteWindow is how long at most a store with a near cache distrusts
// the near cache for a key it wrote (see ownWrites). Redis sends the
// invalidation of a write at once; the window is a thousand times what it
// takes to arrive on a busy machine.
const ownWriteWindow = time.Second

// sweepEvery is how many writes a store with a near cache remembers before
// it forgets those older than ownWriteWindow.
const sweepEvery = 1024

// ownWrites is how a store with a near cache reads its own writes. Redis
// invalidates a key on the connection that read it into the near cache,
// and that invalidation is not ordered with the reply to the store's
// write: it comes after the reply on the same connection, and in its own
// time on another (a standalone rueidis client spreads its commands over
// several connections). So the near cache may still answer with the old
// value right after the store's own write returns.
//
// To never show that, the store marks each key it writes with what the
// write left there (a value, the key's absence, or "unknown" for an
// Increment in flight or an Expire). A read of a marked key goes through
// the near cache as any other; if the near cache answers with what the
// mark says, the near cache has caught up (or holds an older value equal
// to it, which is as good), the mark is dropped and the answer stands.
// Otherwise the store reads the key from Redis. A mark lasts at most
// ownWriteWindow.
type ownWrites struct {
	marks sync.Map // key → *mark
	// everything is the end of the window of a Clear of the whole
	// database, which invalidates every key: until then no read trusts
	// the near cache.
	everything atomic.Int64
	writes     atomic.Int64 // marks since the last sweep
	sweeping   atomic.Bool
}

// mark is what the store knows of its latest write of a key.
type mark struct {
	deadline int64 // end of the window, ns since epoch
	known    bool  // the write's outcome is known: val, or the key's absence
	absent   bool
	val      []byte
}

// epoch is the origin of the deadlines of ownWrites: time.Since reads the
// monotonic clock.
var epoch = time.Now()

func nanotime() int64 { return int64(time.Since(epoch)) }

// unknown marks a write whose outcome the store does not know (yet).
func unknown() *mark { return &mark{deadline: nanotime() + int64(ownWriteWindow)} }

// wrote returns a mark of a write that leaves val (copied) under a key.
func wrote(val []byte) *mark {
	m := unknown()
	m.known, m.val = true, bytes.Clone(val)
	if m.val == nil {
		m.val = []byte{}
	}
	return m
}

// removed returns a mark of a write that leaves a key absent.
func removed() *mark {
	m := unknown()
	m.known, m.absent = true, true
	return m
}

// set marks key with m, called before the write is sent, so that no read
// that starts after the write returns can miss it. It returns the mark it
// replaced (nil if none), for undo.
func (w *ownWrites) set(key string, m *mark) (prev *mark) {
	if p, ok := w.marks.Swap(key, m); ok {
		prev = p.(*mark)
	}
	if w.writes.Add(1) >= sweepEvery {
		w.sweep()
	}
	return prev
}

// settle replaces m, the mark of key, with what the write turned out to
// leave (the result of an Increment), unless another write marked the key
// since.
func (w *ownWrites) settle(key string, m, settled *mark) {
	w.marks.CompareAndSwap(key, m, settled)
}

// undo takes back m, the mark of a write of key that changed nothing (an
// Add of a present key, a compare-and-swap or -delete that did not
// match), putting back prev, the mark it replaced, unless another write
// marked the key since.
func (w *ownWrites) undo(key string, m, prev *mark) {
	if prev != nil && nanotime() < prev.deadline {
		w.marks.CompareAndSwap(key, m, prev)
		return
	}
	w.marks.CompareAndDelete(key, m)
}

// everythingWritten marks every key unknown (a FLUSHDB).
func (w *ownWrites) everythingWritten() {
	w.everything.Store(nanotime() + int64(ownWriteWindow))
}

// lookup returns the mark of key, or nil if the store did not write key
// within ownWriteWindow.
func (w *ownWrites) lookup(key string) *mark {
	now := nanotime()
	if now < w.everything.Load() {
		return &mark{deadline: w.everything.Load()}
	}
	v, ok := w.marks.Load(key)
	if !ok {
		return nil
	}
	m := v.(*mark)
	if now >= m.deadline {
		w.marks.CompareAndDelete(key, m)
		return nil
	}
	return m
}

// agrees reports whether what the near cache answered for key (val, or
// its absence) is what m, the key's mark when the read began, says; if so
// the near cache has caught up with the write, and the mark is dropped.
func (w *ownWrites) agrees(key string, m *mark, val []byte, found bool) bool {
	if !m.known || found == m.absent || (found && !bytes.Equal(val, m.val)) {
		return false
	}
	w.marks.CompareAndDelete(key, m)
	return true
}

// sweep forgets the marks whose window has passed, so that keys written
// and never read again do not pile up. One caller sweeps at a time.
func (w *ownWrites) sweep() {
	if !w.sweeping.CompareAndSwap(false, true) {
		return
	}
	defer w.sweeping.Store(false)
	w.writes.Store(0)
	now := nanotime()
	w.marks.Range(func(key, v any) bool {
		if now >= v.(*mark).deadline {
			w.marks.CompareAndDelete(key, v)
		}
		return true
	})
}
