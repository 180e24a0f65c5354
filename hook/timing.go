package hook

import (
	"context"
	"sync"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// Timing keeps the count, total, minimum and maximum duration of each
// operation. The zero value is ready to use; it is safe for concurrent use.
type Timing struct {
	mu  sync.Mutex // guards ops
	ops [cache.NumOps]Stats
}

var _ cache.Hook = (*Timing)(nil)

// Stats are the figures of one operation.
type Stats struct {
	Count           uint64
	Errors          uint64 // how many of Count failed
	Total, Min, Max time.Duration
}

// Mean returns Total / Count, or 0 when Count is 0.
func (s Stats) Mean() time.Duration {
	if s.Count == 0 {
		return 0
	}
	return s.Total / time.Duration(s.Count)
}

// Observe records e's duration under its operation.
func (t *Timing) Observe(_ context.Context, e cache.Event) {
	if int(e.Op) >= cache.NumOps {
		return
	}
	d := e.Duration
	t.mu.Lock()
	s := &t.ops[e.Op]
	if s.Count == 0 || d < s.Min {
		s.Min = d
	}
	if d > s.Max {
		s.Max = d
	}
	s.Count++
	s.Total += d
	if e.Err != nil {
		s.Errors++
	}
	t.mu.Unlock()
}

// Stats returns the figures of op.
func (t *Timing) Stats(op cache.Op) Stats {
	if int(op) >= cache.NumOps {
		return Stats{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ops[op]
}

// All returns the figures of every operation seen at least once.
func (t *Timing) All() map[cache.Op]Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := make(map[cache.Op]Stats)
	for op, s := range t.ops {
		if s.Count > 0 {
			m[cache.Op(op)] = s
		}
	}
	return m
}

// Reset forgets every figure.
func (t *Timing) Reset() {
	t.mu.Lock()
	t.ops = [cache.NumOps]Stats{}
	t.mu.Unlock()
}
