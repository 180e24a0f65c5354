package otel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cachekit/cachekit/cache"
	cachekitotel "github.com/cachekit/cachekit/contrib/otel"
	"github.com/cachekit/cachekit/loader"
)

func TestGetInsideAParentSpanIsItsChildAndTheStoreGetsItsContext(t *testing.T) {
	tel := newTelemetry(t)
	spy := &spyStore{got: make(chan trace.SpanContext, 1)}
	c := newCache(t, "users", func(s cache.Store) cache.Store { spy.Store = s; return spy }, tel.hook)
	ctx, parent := tel.tp.Tracer("test").Start(t.Context(), "request")
	require.NoError(t, c.Set(ctx, "k", "v"))
	_, found, err := c.Get(ctx, "k")
	require.NoError(t, err)
	require.True(t, found)
	parent.End()

	gets := tel.ended("cachekit.get")
	require.Len(t, gets, 1)
	get := gets[0]
	assert.Equal(t, parent.SpanContext(), get.Parent(), "the cache's span is a child of the caller's")
	assert.Equal(t, get.SpanContext(), <-spy.got, "the store got the cache's span in its context")
	assert.Equal(t, trace.SpanKindInternal, get.SpanKind())
	assert.Equal(t, map[string]any{"cachekit.op": "get", "cachekit.namespace": "users", "cachekit.hit": true}, attrs(get))
	assert.Equal(t, codes.Unset, get.Status().Code)
	require.Len(t, tel.ended("cachekit.set"), 1)
	assert.Equal(t, parent.SpanContext(), tel.ended("cachekit.set")[0].Parent())
}

func TestMultiGetSpanCountsHitsAndMisses(t *testing.T) {
	tel := newTelemetry(t)
	c := newCache(t, "ns", nil, tel.hook)
	require.NoError(t, c.Set(t.Context(), "a", "1"))
	_, err := c.MultiGet(t.Context(), "a", "b", "c", "c")
	require.NoError(t, err)
	spans := tel.ended("cachekit.multi_get")
	require.Len(t, spans, 1)
	assert.Equal(t, map[string]any{"cachekit.op": "multi_get", "cachekit.namespace": "ns", "cachekit.hits": int64(1), "cachekit.misses": int64(2)}, attrs(spans[0]))
}

func TestFailedOperationSpanHasErrorStatus(t *testing.T) {
	tel := newTelemetry(t)
	down := errors.New("store down")
	c := newCache(t, "ns", func(s cache.Store) cache.Store { return failingStore{s, down} }, tel.hook)
	_, _, err := c.Get(t.Context(), "k")
	require.ErrorIs(t, err, down)
	spans := tel.ended("cachekit.get")
	require.Len(t, spans, 1)
	assert.Equal(t, codes.Error, spans[0].Status().Code)
	assert.Equal(t, "store down", spans[0].Status().Description)
	require.Len(t, spans[0].Events(), 1, "the error is recorded")
	assert.Equal(t, "exception", spans[0].Events()[0].Name)
	assert.NotContains(t, attrs(spans[0]), "cachekit.hit", "a failed read neither hit nor missed")
}

func TestLoadSpanIsTheContextOfFnAndNotFoundIsNoError(t *testing.T) {
	tel := newTelemetry(t)
	c := newCache(t, "users", nil, tel.hook)
	inFn := make(chan trace.SpanContext, 2)
	l := loader.Must(loader.New(c, func(ctx context.Context, key string) (string, error) {
		inFn <- trace.SpanContextFromContext(ctx)
		if key == "ghost" {
			return "", loader.ErrNotFound
		}
		return "v", nil
	}, loader.Options[string, string]{}))
	t.Cleanup(func() { _ = l.Close() })
	ctx, parent := tel.tp.Tracer("test").Start(t.Context(), "request")
	_, err := l.Get(ctx, "k")
	require.NoError(t, err)
	_, err = l.Get(ctx, "ghost")
	require.ErrorIs(t, err, loader.ErrNotFound)
	parent.End()

	loads := tel.ended("cachekit.load")
	require.Len(t, loads, 2)
	for _, load := range loads {
		assert.Equal(t, load.SpanContext(), <-inFn, "fn's context carries the load's span")
		assert.Equal(t, parent.SpanContext().TraceID(), load.SpanContext().TraceID(), "in the caller's trace")
		assert.Equal(t, codes.Unset, load.Status().Code, "not found is an answer, not an error")
	}
	assert.Equal(t, "ok", attrs(loads[0])["cachekit.result"])
	assert.Equal(t, "not_found", attrs(loads[1])["cachekit.result"])
}

func TestEventWithoutStartGetsASpanOfItsOwnAndLeavesTheParentOpen(t *testing.T) {
	tel := newTelemetry(t)
	c := newCache(t, "ns", nil, tel.hook)
	ctx, parent := tel.tp.Tracer("test").Start(t.Context(), "request")
	// A package that reports a read with the caller's context, not one
	// from Begin (as package loader did for reads its callers shared).
	start := time.Now().Add(-time.Millisecond)
	c.End(ctx, start, cache.Event{Op: cache.OpGet, Key: "ns:k", Hits: 1})

	gets := tel.ended("cachekit.get")
	require.Len(t, gets, 1)
	assert.Equal(t, parent.SpanContext(), gets[0].Parent())
	assert.True(t, gets[0].StartTime().Equal(start), "the span begins when the operation began")
	assert.GreaterOrEqual(t, gets[0].EndTime().Sub(gets[0].StartTime()), time.Millisecond)
	assert.True(t, parent.IsRecording(), "the caller's span is not ended by the cache's event")

	// Nor is an enclosing cachekit span of another operation.
	lctx, lstart := c.Begin(ctx, cache.OpLoad, "ns:k")
	c.End(lctx, time.Now(), cache.Event{Op: cache.OpGet, Key: "ns:k", Misses: 1})
	assert.Empty(t, tel.ended("cachekit.load"), "the load is still under way")
	c.End(lctx, lstart, cache.Event{Op: cache.OpLoad, Key: "ns:k"})
	require.Len(t, tel.ended("cachekit.load"), 1)
	assert.Len(t, tel.ended("cachekit.get"), 2)
	parent.End()
}

func TestNoopProvidersPassTheContextUnchanged(t *testing.T) {
	h, err := cachekitotel.Hook(cachekitotel.WithMeterProvider(metricnoop.NewMeterProvider()), cachekitotel.WithTracerProvider(tracenoop.NewTracerProvider()))
	require.NoError(t, err)
	ctx := t.Context()
	assert.Equal(t, ctx, h.Start(ctx, cache.OpGet, "k"))
	c := newCache(t, "ns", nil, h)
	_, _, err = c.Get(ctx, "k")
	require.NoError(t, err)
}

func TestUnsampledOperationsRecordNoSpanAndStillCount(t *testing.T) {
	tel := newTelemetry(t)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	h, err := cachekitotel.Hook(cachekitotel.WithMeterProvider(tel.mp), cachekitotel.WithTracerProvider(tp))
	require.NoError(t, err)
	spy := &spyStore{got: make(chan trace.SpanContext, 1)}
	c := newCache(t, "ns", func(s cache.Store) cache.Store { spy.Store = s; return spy }, h)

	ctx, parent := tp.Tracer("test").Start(t.Context(), "request")
	_, _, err = c.Get(ctx, "k")
	require.NoError(t, err)
	c.End(ctx, time.Now(), cache.Event{Op: cache.OpGet, Key: "ns:k", Hits: 1}) // without Start
	parent.End()

	assert.Empty(t, spans.Ended(), "nothing sampled, nothing recorded")
	got := <-spy.got
	assert.Equal(t, parent.SpanContext().TraceID(), got.TraceID(), "the store still gets the trace")
	assert.NotEqual(t, parent.SpanContext().SpanID(), got.SpanID(), "in the cache's (unsampled) span")
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "ns", "op", "get", "result", "miss"))
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "ns", "op", "get", "result", "hit"))
}
