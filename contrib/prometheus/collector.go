package prometheus

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/result"
)

// OperationBuckets are the buckets, in seconds, of
// cachekit_operation_duration_seconds: from 1µs (a memory hit takes less)
// through a Redis or memcached round trip (100µs to a few ms) to 5s, a
// store that has stopped answering.
var OperationBuckets = result.OperationBuckets()

// LoadBuckets are the buckets, in seconds, of
// cachekit_load_duration_seconds and cachekit_lock_wait_duration_seconds:
// a load is a call of the caller's function (a database query, a remote
// call: 100µs to seconds), and a lock wait lasts as long as the load it
// waits for, up to the lock's lease (10s by default in package loader).
var LoadBuckets = result.LoadBuckets()

// Collector is a cache.Hook and a prometheus.Collector
// (github.com/prometheus/client_golang/prometheus): register it once and
// put it in the Hooks of every cache to observe. It is safe for
// concurrent use. Make one with NewCollector.
type Collector struct {
	operations *prometheus.CounterVec   // namespace, op, result
	opDuration *prometheus.HistogramVec // namespace, op
	loads      *prometheus.CounterVec   // namespace, result
	loadDur    *prometheus.HistogramVec // namespace
	refreshes  *prometheus.CounterVec   // namespace, result
	lockWait   *prometheus.HistogramVec // namespace
	remembered *prometheus.CounterVec   // namespace, op

	spaces sync.Map // namespace → *space: its series, found once
}

var (
	_ cache.Hook           = (*Collector)(nil)
	_ prometheus.Collector = (*Collector)(nil)
)

// NewCollector returns a Collector with no series yet.
func NewCollector() *Collector {
	return &Collector{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cachekit_operations_total",
			Help: "Cache operations by namespace, operation and result (hit, miss, ok, error); a read counts one hit or miss per distinct key.",
		}, []string{"namespace", "op", "result"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cachekit_operation_duration_seconds",
			Help:    "Duration of cache operations, in seconds.",
			Buckets: OperationBuckets,
		}, []string{"namespace", "op"}),
		loads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cachekit_loads_total",
			Help: "Loads of missing values by the loader, one per call of its function, by result (ok, not_found, error, stale_served).",
		}, []string{"namespace", "result"}),
		loadDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cachekit_load_duration_seconds",
			Help:    "Duration of the loader's loads, in seconds.",
			Buckets: LoadBuckets,
		}, []string{"namespace"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cachekit_refreshes_total",
			Help: "Background reloads of cached values by the loader, by result (ok, error, skipped).",
		}, []string{"namespace", "result"}),
		lockWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cachekit_lock_wait_duration_seconds",
			Help:    "Time spent waiting for the holder of a lock, in seconds.",
			Buckets: LoadBuckets,
		}, []string{"namespace"}),
		remembered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cachekit_remembered_misses_total",
			Help: "Misses the loader answered from a remembered absence without a load (also counted as misses in cachekit_operations_total).",
		}, []string{"namespace", "op"}),
	}
}

// vecs are the collectors of the metrics, in the order they are described.
func (c *Collector) vecs() []prometheus.Collector {
	return []prometheus.Collector{c.operations, c.opDuration, c.loads, c.loadDur, c.refreshes, c.lockWait, c.remembered}
}

// Describe sends the descriptions of the metrics to ch.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, v := range c.vecs() {
		v.Describe(ch)
	}
}

// Collect sends the series to ch.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, v := range c.vecs() {
		v.Collect(ch)
	}
}

// Observe counts e in the series of its namespace.
func (c *Collector) Observe(_ context.Context, e cache.Event) {
	s := c.space(e.Namespace)
	seconds := e.Duration.Seconds()
	switch e.Op {
	case cache.OpLoad:
		s.load(result.LoadOf(&e)).Inc()
		s.loadDuration().Observe(seconds)
		return
	case cache.OpRefresh:
		s.refresh(result.RefreshOf(&e)).Inc()
		return
	}
	if int(e.Op) >= cache.NumOps {
		c.observeUnknown(&e, seconds)
		return
	}
	switch {
	case result.IsRead(&e):
		if e.Hits > 0 {
			s.op(e.Op, result.Hit).Add(float64(e.Hits))
		}
		if e.Misses > 0 {
			s.op(e.Op, result.Miss).Add(float64(e.Misses))
		}
		if e.Remembered > 0 {
			s.rememberedOf(e.Op).Add(float64(e.Remembered))
		}
	case e.Err != nil:
		s.op(e.Op, result.Error).Inc()
	default:
		s.op(e.Op, result.OK).Inc()
	}
	s.duration(e.Op).Observe(seconds)
	if e.Op == cache.OpLockWait {
		s.lockWait().Observe(seconds)
	}
}

// observeUnknown counts an operation of a newer cachekit than this module
// knows, the slow way.
func (c *Collector) observeUnknown(e *cache.Event, seconds float64) {
	r := result.OK
	if e.Err != nil {
		r = result.Error
	}
	c.operations.WithLabelValues(e.Namespace, e.Op.String(), result.OpNames[r]).Inc()
	c.opDuration.WithLabelValues(e.Namespace, e.Op.String()).Observe(seconds)
}

// space returns the series of namespace ns.
func (c *Collector) space(ns string) *space {
	if s, ok := c.spaces.Load(ns); ok {
		return s.(*space)
	}
	s, _ := c.spaces.LoadOrStore(ns, &space{c: c, ns: ns})
	return s.(*space)
}
