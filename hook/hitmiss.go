package hook

import (
	"context"
	"sync/atomic"

	"github.com/cachekit/cachekit/cache"
)

// HitMiss counts the hits and misses of reads (Get, MultiGet per key,
// Exists, GetVersion). Failed reads count as neither. The zero value is
// ready to use; it is safe for concurrent use.
type HitMiss struct {
	hits, misses atomic.Uint64
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
}

// Hits returns the number of keys found.
func (h *HitMiss) Hits() uint64 { return h.hits.Load() }

// Misses returns the number of keys not found.
func (h *HitMiss) Misses() uint64 { return h.misses.Load() }

// Ratio returns hits / (hits + misses), or 0 before any read.
func (h *HitMiss) Ratio() float64 {
	hits, misses := h.hits.Load(), h.misses.Load()
	if hits+misses == 0 {
		return 0
	}
	return float64(hits) / float64(hits+misses)
}

// Reset sets both counts to zero.
func (h *HitMiss) Reset() {
	h.hits.Store(0)
	h.misses.Store(0)
}
