package prometheus

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/result"
)

// space holds the series of one namespace, each looked up in its vector
// once, at its first event (a series must not appear before it has
// counted something: an operation that never ran has no series), so that
// counting is one atomic add, with no hashing of labels and no
// allocation.
type space struct {
	c  *Collector
	ns string

	ops        [cache.NumOps][result.NumOps]atomic.Pointer[prometheus.Counter]
	durations  [cache.NumOps]atomic.Pointer[prometheus.Observer]
	remembered [cache.NumOps]atomic.Pointer[prometheus.Counter]
	loads      [result.NumLoads]atomic.Pointer[prometheus.Counter]
	refreshes  [result.NumRefreshes]atomic.Pointer[prometheus.Counter]
	loadDur    atomic.Pointer[prometheus.Observer]
	lockWaits  atomic.Pointer[prometheus.Observer]
}

// series returns the series in p, looking it up with find the first time.
// Two goroutines may both look it up: the vector gives both the same.
func series[T any](p *atomic.Pointer[T], find func() T) T {
	if s := p.Load(); s != nil {
		return *s
	}
	s := find()
	p.Store(&s)
	return s
}

func (s *space) op(op cache.Op, r result.Op) prometheus.Counter {
	if c := s.ops[op][r].Load(); c != nil {
		return *c
	}
	return series(&s.ops[op][r], func() prometheus.Counter {
		return s.c.operations.WithLabelValues(s.ns, op.String(), result.OpNames[r])
	})
}

func (s *space) duration(op cache.Op) prometheus.Observer {
	if o := s.durations[op].Load(); o != nil {
		return *o
	}
	return series(&s.durations[op], func() prometheus.Observer {
		return s.c.opDuration.WithLabelValues(s.ns, op.String())
	})
}

func (s *space) rememberedOf(op cache.Op) prometheus.Counter {
	return series(&s.remembered[op], func() prometheus.Counter {
		return s.c.remembered.WithLabelValues(s.ns, op.String())
	})
}

func (s *space) load(r result.Load) prometheus.Counter {
	return series(&s.loads[r], func() prometheus.Counter {
		return s.c.loads.WithLabelValues(s.ns, result.LoadNames[r])
	})
}

func (s *space) refresh(r result.Refresh) prometheus.Counter {
	return series(&s.refreshes[r], func() prometheus.Counter {
		return s.c.refreshes.WithLabelValues(s.ns, result.RefreshNames[r])
	})
}

func (s *space) loadDuration() prometheus.Observer {
	return series(&s.loadDur, func() prometheus.Observer { return s.c.loadDur.WithLabelValues(s.ns) })
}

func (s *space) lockWait() prometheus.Observer {
	return series(&s.lockWaits, func() prometheus.Observer { return s.c.lockWait.WithLabelValues(s.ns) })
}
