// Package prometheus exports the operations of cachekit caches as
// Prometheus metrics: a Collector is a cache.Hook and a
// prometheus.Collector.
//
//	metrics := prometheus.NewCollector()
//	registry.MustRegister(metrics) // once
//	users := cache.Must(cache.New(store, cache.Options[int, User]{
//		Namespace: "users",
//		Hooks:     []cache.Hook{metrics},
//	}))
//
// One Collector serves any number of caches: their series are told apart
// by the namespace label. It is a module of its own
// (github.com/cachekit/cachekit/contrib/prometheus), so that cachekit
// itself does not depend on client_golang.
//
// # Metrics
//
// The metrics are those of cachekit's SEMANTICS.md, "Observability", with
// the labels namespace, op and result, and never the key (keys are of
// unbounded cardinality); durations are in seconds:
//
//	cachekit_operations_total              counter    namespace, op, result = hit | miss | ok | error
//	cachekit_operation_duration_seconds    histogram  namespace, op
//	cachekit_loads_total                   counter    namespace, result = ok | not_found | error | stale_served
//	cachekit_load_duration_seconds         histogram  namespace
//	cachekit_refreshes_total               counter    namespace, result = ok | error | skipped
//	cachekit_lock_wait_duration_seconds    histogram  namespace
//	cachekit_remembered_misses_total       counter    namespace, op
//
// A read counts one hit or miss per distinct key (a MultiGet of 10 keys
// adds 10), a failed operation one error, and any other operation one ok.
// The loads of package loader (cache.OpLoad: a call of its function for
// missing or stale values, one whatever the number of callers waiting for
// it) are counted in cachekit_loads_total, its background reloads
// (cache.OpRefresh, loader.Options.RefreshAfter) in
// cachekit_refreshes_total, and neither in cachekit_operations_total. A
// miss that the loader answered from its memory of the key's absence
// (loader.Options.MissTTL) is a miss in cachekit_operations_total, is not
// a load, and is also counted in cachekit_remembered_misses_total, so that
//
//	(hits + remembered misses) / (hits + misses)
//
// is the share of reads that cost no load. The histograms have the
// buckets OperationBuckets (1µs, a memory hit, to 5s) for operations and
// LoadBuckets (100µs to 60s) for loads and lock waits, which last as long
// as the function that loads. A series appears at its first event.
package prometheus
