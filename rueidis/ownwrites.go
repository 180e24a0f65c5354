package rueidis

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// ownWriteWindow is how long at most a store with a near cache distrusts
// the near cache for a key it wrote (see ownWrites). Redis sends the
// invalidation of a write at once; the window is a thousand times what it
// takes to arrive on a busy machine.
const ownWriteWindow = time.Second

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
//
// A mark holds the length and a 64-bit fingerprint of the value, not a
// copy: a burst of large writes costs some tens of bytes per key, not the
// values again. Two different values of the same length pass for equal
// with a probability of 2^-64, and only within the window.
//
// Marks whose window has passed are forgotten by a sweep that runs one
// window after the first mark of an empty table, and again each window
// while marks are left: a store that wrote a burst and went idle holds
// none two windows later. The sweep runs on a timer (time.AfterFunc), so
// an idle store has no goroutine; close stops it and waits for a sweep
// under way.
type ownWrites struct {
	marks sync.Map     // key → *mark
	n     atomic.Int64 // marks in the table
	// everything is the end of the window of a Clear of the whole
	// database, which invalidates every key: until then no read trusts
	// the near cache.
	everything atomic.Int64

	armed  atomic.Bool    // a sweep is scheduled or running
	sweeps sync.WaitGroup // the scheduled or running sweep
	mu     sync.Mutex     // guards timer and closed
	timer  *time.Timer
	closed bool
}

// mark is what the store knows of its latest write of a key.
type mark struct {
	deadline int64 // end of the window, ns since epoch
	known    bool  // the write's outcome is known: a value, or the key's absence
	absent   bool
	size     int    // of the value
	sum      uint64 // fingerprint of the value
}

// epoch is the origin of the deadlines of ownWrites: time.Since reads the
// monotonic clock.
var epoch = time.Now()

func nanotime() int64 { return int64(time.Since(epoch)) }

// seed is the seed of the fingerprints of marks, the same for the life of
// the process.
var seed = maphash.MakeSeed()

// fingerprint returns the fingerprint of val in a mark.
func fingerprint(val []byte) uint64 { return maphash.Bytes(seed, val) }

// unknown marks a write whose outcome the store does not know (yet).
func unknown() *mark { return &mark{deadline: nanotime() + int64(ownWriteWindow)} }

// wrote returns a mark of a write that leaves val under a key.
func wrote(val []byte) *mark {
	m := unknown()
	m.known, m.size, m.sum = true, len(val), fingerprint(val)
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
		return p.(*mark)
	}
	w.n.Add(1)
	w.arm()
	return nil
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
	w.forget(key, m)
}

// forget removes m, the mark of key, unless another write marked the key
// since.
func (w *ownWrites) forget(key string, m *mark) {
	if w.marks.CompareAndDelete(key, m) {
		w.n.Add(-1)
	}
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
		w.forget(key, m)
		return nil
	}
	return m
}

// agrees reports whether what the near cache answered for key (val, or
// its absence) is what m, the key's mark when the read began, says; if so
// the near cache has caught up with the write, and the mark is dropped.
func (w *ownWrites) agrees(key string, m *mark, val []byte, found bool) bool {
	if !m.known || found == m.absent || (found && (len(val) != m.size || fingerprint(val) != m.sum)) {
		return false
	}
	w.forget(key, m)
	return true
}

// arm schedules a sweep one window from now, unless one is scheduled or
// running, or w is closed.
func (w *ownWrites) arm() {
	if w.armed.Load() || !w.armed.CompareAndSwap(false, true) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return // armed stays true: no sweep will ever be scheduled
	}
	w.sweeps.Add(1)
	if w.timer == nil {
		w.timer = time.AfterFunc(ownWriteWindow, w.sweep)
	} else {
		w.timer.Reset(ownWriteWindow)
	}
}

// sweep forgets the marks whose window has passed, and schedules the next
// sweep if marks are left, so that keys written and never read again do
// not pile up, whether the store goes on writing or not.
func (w *ownWrites) sweep() {
	defer w.sweeps.Done()
	w.forgetExpired()
	// A mark set from here on arms a sweep of its own, or finds this one
	// still armed and is counted below.
	w.armed.Store(false)
	if w.n.Load() > 0 {
		w.arm()
	}
}

// forgetExpired forgets the marks whose window has passed.
func (w *ownWrites) forgetExpired() {
	now := nanotime()
	w.marks.Range(func(key, v any) bool {
		if now >= v.(*mark).deadline {
			w.forget(key.(string), v.(*mark))
		}
		return true
	})
}

// close stops the sweeps and waits for one under way. Marks set later are
// never swept: they go with the store.
func (w *ownWrites) close() {
	w.mu.Lock()
	w.closed = true
	if w.timer != nil && w.timer.Stop() {
		w.sweeps.Done() // the scheduled sweep will not run
	}
	w.mu.Unlock()
	w.sweeps.Wait()
}

// empty reports whether w holds no mark.
func (w *ownWrites) empty() bool { return w.n.Load() == 0 }
