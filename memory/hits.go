package memory

import (
	"sync/atomic"
	"unsafe"
)

// This file counts a bounded shard's hits for its climber. A count on
// every read would cost each read an atomic add; the shard's readers count
// only while it misses: every miss (see shard.missed) collects the count
// and lets readers go on, and readers stop after quietHits hits without a
// miss. A shard that stops missing (every read a hit, as in a benchmark of
// reads) costs its readers nothing but a load of a flag they share with
// the table pointer.

// quietHits is how many hits without a miss stop a shard's readers from
// counting: past that, the hit rate is above 99.9 % and the window's size
// matters little.
const quietHits = 1 << 12

// hitStripes is how many counters a shard's readers spread their counts
// over, so that readers on different cores seldom add to the same one.
const hitStripes = 4

// hitCounter counts a shard's hits, and those of its window's entries,
// striped by the address of the reader's stack (which stays put while a
// goroutine runs, and differs between goroutines running at once, as in
// otter's striped buffers), each stripe on a cache line of its own.
type hitCounter [hitStripes]struct {
	hits, window atomic.Int64
	_            [48]byte
}

// add counts a hit, of an entry of the window if window is set, and
// returns the hits counted in the caller's stripe.
func (c *hitCounter) add(window bool) int64 {
	var x byte
	// The low bits of a stack address depend on the call depth, not on
	// the goroutine; a multiplication brings the others to the top.
	a := uint64(uintptr(unsafe.Pointer(&x))>>11) * 0x9e3779b97f4a7c15
	s := &c[a>>62]
	if window {
		s.window.Add(1)
	}
	return s.hits.Add(1)
}

// take returns the hits counted, and those of window entries, and clears
// the counts.
func (c *hitCounter) take() (hits, window int) {
	for i := range c {
		s := &c[i]
		if s.hits.Load() != 0 {
			hits += int(s.hits.Swap(0))
		}
		if s.window.Load() != 0 {
			window += int(s.window.Swap(0))
		}
	}
	return hits, window
}

// countHit counts a hit of e, an entry of sh, while sh's readers count.
func (sh *shard) countHit(e *entry) {
	if sh.hits.add(e.queue() == inWindow) >= quietHits/hitStripes {
		sh.counting.Store(false)
	}
}
