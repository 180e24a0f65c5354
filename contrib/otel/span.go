package otel

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/result"
)

// Attribute keys of the spans.
const (
	attrNamespace  = attribute.Key("cachekit.namespace")
	attrOp         = attribute.Key("cachekit.op")
	attrHit        = attribute.Key("cachekit.hit")        // a read of one key found it
	attrHits       = attribute.Key("cachekit.hits")       // the keys a MultiGet found
	attrMisses     = attribute.Key("cachekit.misses")     // and those it did not
	attrRemembered = attribute.Key("cachekit.remembered") // misses answered from a remembered absence
	attrOk         = attribute.Key("cachekit.ok")         // the yes-or-no answer of Delete, Expire, CompareAndSwap and the lock operations
	attrResult     = attribute.Key("cachekit.result")     // of a load or a refresh, as in their metrics
)

// spanNames and spanStarts are made once, so that starting a span
// allocates no more than the tracer must. The span's attributes are all
// set at its end, in one call (see space.spans), so that the SDK grows their
// storage once; samplers see the operation in the span's name.
var (
	spanNames  [cache.NumOps]string
	spanStarts = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
)

func init() {
	for op := range cache.NumOps {
		spanNames[op] = "cachekit." + cache.Op(op).String()
	}
}

func spanName(op cache.Op) string {
	if int(op) < cache.NumOps {
		return spanNames[op]
	}
	return "cachekit." + op.String()
}

// opContext is the context that Start returns for a recording span: the
// tracer's, which carries the span to the store, and the span's operation,
// by which Observe knows the span as its own (Value(hook) returns it).
//
// A context of its own rather than context.WithValue, which would cost a
// second allocation for the value.
type opContext struct {
	context.Context
	hook  *hook
	span  trace.Span
	op    cache.Op
	ended atomic.Bool
}

// Value returns c for its hook, and the parent's values otherwise.
func (c *opContext) Value(key any) any {
	if h, ok := key.(*hook); ok && h == c.hook {
		return c
	}
	return c.Context.Value(key)
}

// started returns the span that Start began for e, if it is in ctx and not
// ended yet. An Event that reaches Observe without a Start of its own (a
// package built on the cache may report one with the caller's context)
// finds no span, or the span of an enclosing operation of another op,
// which is not its own.
func (h *hook) started(ctx context.Context, e *cache.Event) trace.Span {
	c, _ := ctx.Value(h).(*opContext)
	if c == nil || c.op != e.Op || !c.ended.CompareAndSwap(false, true) {
		return nil
	}
	return c.span
}

// endSpan sets the attributes of e's span and ends it. An Event without a
// span of its own gets one now, child of ctx's recording span, spanning
// the time it took; none if ctx's span records nothing (its own span, or
// its caller's, was not sampled, or there is no trace to complete).
func (h *hook) endSpan(ctx context.Context, s *space, e *cache.Event) {
	span := h.started(ctx, e)
	if span == nil {
		if !trace.SpanFromContext(ctx).IsRecording() {
			return
		}
		_, span = h.tracer.Start(ctx, spanName(e.Op), trace.WithSpanKind(trace.SpanKindInternal), trace.WithTimestamp(e.Start))
		defer span.End(trace.WithTimestamp(e.Start.Add(e.Duration)))
	} else {
		defer span.End()
	}
	if !span.IsRecording() {
		return
	}
	failed := e.Err != nil
	switch {
	case int(e.Op) >= cache.NumOps:
		span.SetAttributes(attrNamespace.String(e.Namespace), attrOp.String(e.Op.String()))
	case e.Op == cache.OpLoad:
		r := result.LoadOf(e)
		span.SetAttributes(s.loadSpans[r]...)
		failed = failed && r != result.LoadNotFound
	case e.Op == cache.OpRefresh:
		span.SetAttributes(s.refreshSpans[result.RefreshOf(e)]...)
	case e.Op == cache.OpMultiGet && result.IsRead(e):
		span.SetAttributes(attrNamespace.String(e.Namespace), attrOp.String(e.Op.String()),
			attrHits.Int(e.Hits), attrMisses.Int(e.Misses))
	case result.IsRead(e):
		span.SetAttributes(s.spans[e.Op][answerFalse+b2i(e.Hits > 0)]...)
	case !failed && answers(e.Op):
		span.SetAttributes(s.spans[e.Op][answerFalse+b2i(e.Ok)]...)
	default:
		span.SetAttributes(s.spans[e.Op][noAnswer]...)
	}
	if e.Remembered > 0 {
		span.SetAttributes(attrRemembered.Int(e.Remembered))
	}
	if failed {
		span.RecordError(e.Err)
		span.SetStatus(codes.Error, e.Err.Error())
	}
}

// answers reports whether Event.Ok means something for op.
func answers(op cache.Op) bool {
	switch op {
	case cache.OpDelete, cache.OpExpire, cache.OpCompareAndSwap,
		cache.OpLockAcquire, cache.OpLockWait, cache.OpLockRelease, cache.OpLockExtend:
		return true
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
