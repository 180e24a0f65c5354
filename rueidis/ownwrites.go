package rueidis

import (
	"sync"
	"sync/atomic"
	"time"
)

// ownWriteWindow is how long after writing a key a store with a near cache
// reads that key from Redis, past the near cache (see ownWrites). Redis
// sends the invalidation of a write at once; the window is a thousand
// times what it takes to arrive on a busy machine.
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
// value right after the store's own write returns. To never show that,
// the store remembers the keys it wrote in the last ownWriteWindow and
// reads them from Redis.
type ownWrites struct {
	keys sync.Map // key → deadline (ns since epoch) of the window
	// everything is the deadline of the window of a Clear of the whole
	// database, which invalidates every key.
	everything atomic.Int64
	marks      atomic.Int64 // writes since the last sweep
	sweeping   atomic.Bool
}

// epoch is the origin of the deadlines of ownWrites: time.Since reads the
// monotonic clock.
var epoch = time.Now()

func nanotime() int64 { return int64(time.Since(epoch)) }

// wrote remembers that the store is writing key, from now on: it is called
// before the write is sent, so that no read that starts after the write
// returns can miss it.
func (w *ownWrites) wrote(key string) {
	w.keys.Store(key, nanotime()+int64(ownWriteWindow))
	if w.marks.Add(1) >= sweepEvery {
		w.sweep()
	}
}

// wroteEverything remembers a write of every key (FLUSHDB).
func (w *ownWrites) wroteEverything() {
	w.everything.Store(nanotime() + int64(ownWriteWindow))
}

// recent reports whether the store wrote key within ownWriteWindow.
func (w *ownWrites) recent(key string) bool {
	now := nanotime()
	if now < w.everything.Load() {
		return true
	}
	v, ok := w.keys.Load(key)
	if !ok {
		return false
	}
	if now < v.(int64) {
		return true
	}
	w.keys.CompareAndDelete(key, v)
	return false
}

// anyRecent reports whether recent holds for one of keys.
func (w *ownWrites) anyRecent(keys []string) bool {
	for _, key := range keys {
		if w.recent(key) {
			return true
		}
	}
	return false
}

// sweep forgets the writes whose window has passed, so that keys written
// and never read again do not pile up. One caller sweeps at a time.
func (w *ownWrites) sweep() {
	if !w.sweeping.CompareAndSwap(false, true) {
		return
	}
	defer w.sweeping.Store(false)
	w.marks.Store(0)
	now := nanotime()
	w.keys.Range(func(key, v any) bool {
		if now >= v.(int64) {
			w.keys.CompareAndDelete(key, v)
		}
		return true
	})
}
