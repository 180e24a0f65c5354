package otel

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/result"
)

// Attribute keys of the metrics.
const (
	keyNamespace = attribute.Key("namespace")
	keyOp        = attribute.Key("op")
	keyResult    = attribute.Key("result")
)

// space holds the attributes of the measurements of one namespace, built
// when the namespace is first seen: each is an attribute set, made once,
// in an option made once, so that recording allocates nothing.
type space struct {
	ops        [cache.NumOps][result.NumOps][]metric.AddOption // cachekit.operations
	durations  [cache.NumOps][]metric.RecordOption             // cachekit.operation.duration
	remembered [cache.NumOps][]metric.AddOption                // cachekit.remembered_misses
	loads      [result.NumLoads][]metric.AddOption             // cachekit.loads
	refreshes  [result.NumRefreshes][]metric.AddOption         // cachekit.refreshes
	namespace  []metric.RecordOption                           // cachekit.load.duration, cachekit.lock.wait.duration

	// The attributes of spans, per operation: namespace and op, and the
	// answer of a read (cachekit.hit) or of an operation with a yes or a
	// no (cachekit.ok); of loads and refreshes, with their result.
	spans        [cache.NumOps][3][]attribute.KeyValue // [op][noAnswer, answerFalse, answerTrue]
	loadSpans    [result.NumLoads][]attribute.KeyValue
	refreshSpans [result.NumRefreshes][]attribute.KeyValue
}

// The answers of an operation, in space.spans.
const (
	noAnswer = iota
	answerFalse
	answerTrue
)

func newSpace(ns string) *space {
	s := &space{}
	nsKV := keyNamespace.String(ns)
	for op := range cache.NumOps {
		opKV := keyOp.String(cache.Op(op).String())
		for r := range result.NumOps {
			s.ops[op][r] = adding(nsKV, opKV, keyResult.String(result.OpNames[r]))
		}
		s.durations[op] = recording(nsKV, opKV)
		s.remembered[op] = adding(nsKV, opKV)
	}
	for r := range result.NumLoads {
		s.loads[r] = adding(nsKV, keyResult.String(result.LoadNames[r]))
	}
	for r := range result.NumRefreshes {
		s.refreshes[r] = adding(nsKV, keyResult.String(result.RefreshNames[r]))
	}
	s.namespace = recording(nsKV)

	spanNS := attrNamespace.String(ns)
	for op := range cache.NumOps {
		spanOp := attrOp.String(cache.Op(op).String())
		answer := attrOk
		if result.IsReadOp(cache.Op(op)) {
			answer = attrHit
		}
		s.spans[op] = [3][]attribute.KeyValue{
			{spanNS, spanOp},
			{spanNS, spanOp, answer.Bool(false)},
			{spanNS, spanOp, answer.Bool(true)},
		}
	}
	spanLoad := attrOp.String(cache.OpLoad.String())
	for r := range result.NumLoads {
		s.loadSpans[r] = []attribute.KeyValue{spanNS, spanLoad, attrResult.String(result.LoadNames[r])}
	}
	spanRefresh := attrOp.String(cache.OpRefresh.String())
	for r := range result.NumRefreshes {
		s.refreshSpans[r] = []attribute.KeyValue{spanNS, spanRefresh, attrResult.String(result.RefreshNames[r])}
	}
	return s
}

func adding(kvs ...attribute.KeyValue) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
}

func recording(kvs ...attribute.KeyValue) []metric.RecordOption {
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
}
