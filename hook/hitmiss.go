package hook

import (
	"context"
	"sync/atomic"

	"github.com/cachekit/cachekit/cache"
)

// HitMiss counts the hits and misses of reads (Get, MultiGet per key,
// Exists, GetVersion, and the reads of package loader). Failed reads count
// as neither. Of the misses, it also counts those that a loader answered
// from its memory of the key's absence (loader.Options.MissTTL) without a
// load: Remembered. The zero value is ready to use; it is safe for
// concurrent use.
type HitMiss struct {
	hits, misses, remembered atomic.Uint64
}

var _ cache.Hook = (*HitMiss)(nil)

// Observe counts e's hits and misses.
func (h *HitMiss) Observe(_ context.Context, e cache.Event) {
	if e.Hits > 0 {
		h.hits.Add(uint64(e.Hits))
	}
	if e.Misses > 0 {
		h.misses.Add(uint64(e.Misses))
	}
	if e.Remembered > 0 {
		h.remembered.Add(uint64(e.Remembered))
	}
}

// Hits returns the number of keys found.
func (h *HitMiss) Hits() uint64 { return h.hits.Load() }

// Misses returns the number of keys not found.
func (h *HitMiss) Misses() uint64 { return h.misses.Load() }

// Remembered returns the number of misses that a loader answered from its
// memory of the key's absence: keys known to have no value, which the
// cache served as well as a hit would.
func (h *HitMiss) Remembered() uint64 { return h.remembered.Load() }

// Ratio returns hits / (hits + misses), or 0 before any read.
func (h *HitMiss) Ratio() float64 {
	hits, misses := h.hits.Load(), h.misses.Load()
	if hits+misses == 0 {
		return 0
	}
	return float64(hits) / float64(hits+misses)
}

// Reset sets every count to zero.
func (h *HitMiss) Reset() {
	h.hits.Store(0)
	h.misses.Store(0)
	h.remembered.Store(0)
}
