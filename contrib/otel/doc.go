// Package otel records the operations of cachekit caches as OpenTelemetry
// metrics and spans.
//
//	h, err := otel.Hook() // the global MeterProvider and TracerProvider
//	if err != nil { ... }
//	users := cache.Must(cache.New(store, cache.Options[int, User]{
//		Namespace: "users",
//		Hooks:     []cache.Hook{h},
//	}))
//
// One Hook serves any number of caches: their measurements are told apart
// by the namespace attribute. It is a module of its own
// (github.com/cachekit/cachekit/contrib/otel), so that cachekit itself
// does not depend on OpenTelemetry.
//
// # Metrics
//
// The instruments are those of cachekit's SEMANTICS.md, "Observability",
// with the attributes namespace, op and result, and never the key (keys
// are of unbounded cardinality):
//
//	cachekit.operations          counter    namespace, op, result = hit | miss | ok | error
//	cachekit.operation.duration  histogram  namespace, op                     (s)
//	cachekit.loads               counter    namespace, result = ok | not_found | error | stale_served
//	cachekit.load.duration       histogram  namespace                         (s)
//	cachekit.refreshes           counter    namespace, result = ok | error | skipped
//	cachekit.lock.wait.duration  histogram  namespace                         (s)
//	cachekit.remembered_misses   counter    namespace, op
//
// A read counts one hit or miss per distinct key (a MultiGet of 10 keys
// adds 10), a failed operation one error, and any other operation one ok.
// The loads of package loader (cache.OpLoad: a call of its function for
// missing or stale values, one whatever the number of callers waiting for
// it) are counted in cachekit.loads, its background reloads
// (cache.OpRefresh, loader.Options.RefreshAfter) in cachekit.refreshes,
// and neither in cachekit.operations. A miss that the loader answered
// from its memory of the key's absence (loader.Options.MissTTL) is a miss
// in cachekit.operations, is not a load, and is also counted in
// cachekit.remembered_misses, so that
// (hits + remembered_misses) / (hits + misses) is the share of reads that
// cost no load.
//
// The histograms advise explicit buckets (an SDK View may replace them):
// OperationBuckets, from 1µs (a memory hit) to 5s, for operations, and
// LoadBuckets, from 100µs to 60s, for loads and lock waits, which last as
// long as the function that loads.
//
// # Spans
//
// Each operation is a span named "cachekit.<op>" (cachekit.get,
// cachekit.multi_set, cachekit.lock_wait, cachekit.load...), of kind
// internal (not client: the remote call, where there is one, is the
// store client's, and rueidisotel makes it a client span; two client spans
// for one Redis call would count it twice in service graphs), with the attributes cachekit.op and cachekit.namespace, and
// after a read cachekit.hit (one key) or cachekit.hits and
// cachekit.misses (MultiGet). A failed operation records its error and
// has status Error; a load whose function said loader.ErrNotFound does not
// (cachekit.result = not_found says so). The span begins before the store
// is called and its context is the one the store receives, so that the
// spans of an instrumented client (rueidisotel's, for Redis) are its
// children, and the load function of package loader gets the load's span
// in its context.
//
// An operation whose span the sampler drops costs the tracer's
// non-recording span and nothing more. With noop.NewMeterProvider or
// noop.NewTracerProvider, the Hook skips metrics or spans altogether.
//
// A package built on a cache may report an operation with Cache.End
// without having begun it with Cache.Begin (an event from an older package
// loader, say): such an event gets a span of its own, after the fact, with
// the times it had, as a child of the recording span of its context if
// there is one; the span of its context, the caller's or that of an
// enclosing operation, is never ended by it.
package otel
