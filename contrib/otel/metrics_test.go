package otel_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/hooktest"
	cachekitotel "github.com/cachekit/cachekit/contrib/otel"
	"github.com/cachekit/cachekit/loader"
)

func TestHitsAndMissesReadBackExactlyByLabels(t *testing.T) {
	tel := newTelemetry(t)
	c := newCache(t, "users", nil, tel.hook)
	ctx := t.Context()
	for i := range 60 {
		require.NoError(t, c.Set(ctx, fmt.Sprint(i), "v"))
	}
	for i := range 100 {
		_, _, err := c.Get(ctx, fmt.Sprint(i))
		require.NoError(t, err)
	}

	assert.EqualValues(t, 60, tel.count(t, "cachekit.operations", "namespace", "users", "op", "get", "result", "hit"))
	assert.EqualValues(t, 40, tel.count(t, "cachekit.operations", "namespace", "users", "op", "get", "result", "miss"))
	assert.EqualValues(t, 60, tel.count(t, "cachekit.operations", "namespace", "users", "op", "set", "result", "ok"))
	assert.EqualValues(t, 100, tel.observations(t, "cachekit.operation.duration", "namespace", "users", "op", "get"))
	assert.EqualValues(t, 60, tel.observations(t, "cachekit.operation.duration", "namespace", "users", "op", "set"))

	ms := tel.metrics(t)
	assert.Equal(t, "s", ms["cachekit.operation.duration"].Unit)
	h := ms["cachekit.operation.duration"].Data.(metricdata.Histogram[float64])
	assert.Equal(t, cachekitotel.OperationBuckets, h.DataPoints[0].Bounds, "the advised buckets")
	for name, m := range ms {
		for _, set := range attributeSets(m) {
			for _, kv := range set {
				assert.Contains(t, []string{"namespace", "op", "result"}, string(kv.Key), "%s has a label that is not namespace, op or result", name)
			}
		}
	}
}

// attributeSets returns the attributes of every point of m.
func attributeSets(m metricdata.Metrics) (out [][]attribute.KeyValue) {
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes.ToSlice())
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes.ToSlice())
		}
	}
	return out
}

func TestMultiGetCountsOneHitOrMissPerDistinctKey(t *testing.T) {
	tel := newTelemetry(t)
	c := newCache(t, "ns", nil, tel.hook)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "a", "1"))
	got, err := c.MultiGet(ctx, "a", "a", "b", "b", "c")
	require.NoError(t, err)
	require.Len(t, got, 1)

	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "ns", "op", "multi_get", "result", "hit"))
	assert.EqualValues(t, 2, tel.count(t, "cachekit.operations", "namespace", "ns", "op", "multi_get", "result", "miss"))
	assert.EqualValues(t, 1, tel.observations(t, "cachekit.operation.duration", "namespace", "ns", "op", "multi_get"), "one operation")
}

func TestStampedeOfFiftyCallersIsOneLoad(t *testing.T) {
	const callers = 50
	tel := newTelemetry(t)
	hooktest.Stampede(t, "users", callers, tel.hook)
	assert.EqualValues(t, callers, tel.count(t, "cachekit.operations", "namespace", "users", "op", "get", "result", "miss"))
	assert.EqualValues(t, 1, tel.count(t, "cachekit.loads", "namespace", "users", "result", "ok"))
	assert.EqualValues(t, 1, tel.observations(t, "cachekit.load.duration", "namespace", "users"))
	assert.Len(t, tel.ended("cachekit.load"), 1, "one load span")
	assert.Len(t, tel.ended("cachekit.get"), callers, "a span per caller's read")
}

func TestRememberedMissIsAMissAndNotALoad(t *testing.T) {
	tel := newTelemetry(t)
	c := newCache(t, "users", nil, tel.hook)
	calls := 0
	l := loader.Must(loader.New(c, func(context.Context, string) (string, error) {
		calls++
		return "", loader.ErrNotFound
	}, loader.Options[string, string]{MissTTL: time.Hour}))
	t.Cleanup(func() { _ = l.Close() })
	ctx := t.Context()
	for range 3 {
		_, err := l.Get(ctx, "ghost")
		require.ErrorIs(t, err, loader.ErrNotFound)
	}
	require.Equal(t, 1, calls, "the absence is remembered after the first load")

	assert.EqualValues(t, 3, tel.count(t, "cachekit.operations", "namespace", "users", "op", "get", "result", "miss"), "every read missed")
	assert.EqualValues(t, 2, tel.count(t, "cachekit.remembered_misses", "namespace", "users", "op", "get"), "the last two found the remembered absence")
	assert.EqualValues(t, 1, tel.count(t, "cachekit.loads", "namespace", "users", "result", "not_found"), "one load, not_found")
	assert.EqualValues(t, 1, tel.observations(t, "cachekit.load.duration", "namespace", "users"))
	remembered := 0
	for _, s := range tel.ended("cachekit.get") {
		if attrs(s)["cachekit.remembered"] == int64(1) {
			remembered++
		}
	}
	assert.Equal(t, 2, remembered, "spans of remembered misses say so")
}

func TestRefreshIsCountedApartFromLoads(t *testing.T) {
	tel := newTelemetry(t)
	clock := newClock()
	refreshed := make(chan struct{}, 1)
	c := clock.NewCache(t, "users", tel.hook, cache.HookFunc(func(_ context.Context, e cache.Event) {
		if e.Op == cache.OpRefresh {
			refreshed <- struct{}{}
		}
	}))
	version := 0
	inFn := make(chan trace.SpanContext, 2)
	l := loader.Must(loader.New(c, func(ctx context.Context, _ string) (string, error) {
		inFn <- trace.SpanContextFromContext(ctx)
		version++
		return fmt.Sprint("v", version), nil
	}, loader.Options[string, string]{TTL: time.Hour, RefreshAfter: time.Minute}))
	t.Cleanup(func() { _ = l.Close() })
	ctx := t.Context()
	v, err := l.Get(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, "v1", v)
	<-inFn // the first load's
	clock.Advance(2 * time.Minute)
	v, err = l.Get(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, "v1", v, "the aged value, at once")
	<-refreshed
	require.NoError(t, l.Close())

	assert.EqualValues(t, 1, tel.count(t, "cachekit.refreshes", "namespace", "users", "result", "ok"))
	assert.EqualValues(t, 1, tel.count(t, "cachekit.loads", "namespace", "users", "result", "ok"), "the first load; a refresh is not a load")
	refreshes := tel.ended("cachekit.refresh")
	require.Len(t, refreshes, 1)
	assert.Equal(t, "ok", attrs(refreshes[0])["cachekit.result"])
	assert.Equal(t, refreshes[0].SpanContext(), <-inFn, "fn's context carries the refresh's span")
}

func TestStaleServedIsCounted(t *testing.T) {
	tel := newTelemetry(t)
	hooktest.StaleServed(t, "users", tel.hook)

	assert.EqualValues(t, 1, tel.count(t, "cachekit.loads", "namespace", "users", "result", "ok"))
	assert.EqualValues(t, 1, tel.count(t, "cachekit.loads", "namespace", "users", "result", "stale_served"))
	assert.Zero(t, tel.count(t, "cachekit.loads", "namespace", "users", "result", "error"), "stale_served, not error")
	loads := tel.ended("cachekit.load")
	require.Len(t, loads, 2)
	assert.Equal(t, "stale_served", attrs(loads[1])["cachekit.result"])
	assert.Equal(t, codes.Error, loads[1].Status().Code, "the load itself failed")
}

func TestLoadAndRefreshResults(t *testing.T) {
	tel := newTelemetry(t)
	c := newCache(t, "ns", nil, tel.hook)
	hooktest.ReportLoadsAndRefreshes(t.Context(), c)

	for result, want := range hooktest.LoadResults {
		assert.EqualValues(t, want, tel.count(t, "cachekit.loads", "namespace", "ns", "result", result), result)
	}
	for result, want := range hooktest.RefreshResults {
		assert.EqualValues(t, want, tel.count(t, "cachekit.refreshes", "namespace", "ns", "result", result), result)
	}
	assert.EqualValues(t, 5, tel.observations(t, "cachekit.load.duration", "namespace", "ns"))
	_, counted := tel.metrics(t)["cachekit.operations"]
	assert.False(t, counted, "loads and refreshes are not operations")
}

func TestFailedOperationsCountAsErrors(t *testing.T) {
	tel := newTelemetry(t)
	down := errors.New("store down")
	c := newCache(t, "ns", func(s cache.Store) cache.Store { return failingStore{s, down} }, tel.hook)
	_, _, err := c.Get(t.Context(), "k")
	require.ErrorIs(t, err, down)
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "ns", "op", "get", "result", "error"))
	assert.Zero(t, tel.count(t, "cachekit.operations", "namespace", "ns", "op", "get", "result", "miss"))
	assert.EqualValues(t, 1, tel.observations(t, "cachekit.operation.duration", "namespace", "ns", "op", "get"))
}

func TestNamespacesAreLabelledApart(t *testing.T) {
	tel := newTelemetry(t)
	a, b, none := newCache(t, "a", nil, tel.hook), newCache(t, "b", nil, tel.hook), newCache(t, "", nil, tel.hook)
	ctx := t.Context()
	require.NoError(t, a.Set(ctx, "k", "v"))
	for _, c := range []*cache.Cache[string, string]{a, b, b, none} {
		_, _, err := c.Get(ctx, "k")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "a", "op", "get", "result", "hit"))
	assert.EqualValues(t, 2, tel.count(t, "cachekit.operations", "namespace", "b", "op", "get", "result", "miss"))
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "", "op", "get", "result", "miss"))
}

func TestDefaultsAreTheGlobalProviders(t *testing.T) {
	tel := &telemetry{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	t.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	})
	defer otelapi.SetMeterProvider(otelapi.GetMeterProvider())
	defer otelapi.SetTracerProvider(otelapi.GetTracerProvider())
	otelapi.SetMeterProvider(mp)
	otelapi.SetTracerProvider(tp)

	h, err := cachekitotel.Hook()
	require.NoError(t, err)
	c := newCache(t, "ns", nil, h)
	_, _, err = c.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "ns", "op", "get", "result", "miss"))
	assert.Len(t, tel.ended("cachekit.get"), 1)
}

func TestGetHitWithMetricsAloneAllocatesNothing(t *testing.T) {
	mp, _ := sdkProviders(t)
	ctx := context.Background()
	allocs := func(hooks []cache.Hook) float64 {
		c, keys := hooktest.BenchCache(t, hooks)
		_, _, _ = c.Get(ctx, keys[0]) // a namespace's attributes are made at its first event
		return testing.AllocsPerRun(1000, func() { _, _, _ = c.Get(ctx, keys[0]) })
	}
	require.Zero(t, allocs(nil), "the reference: a Get hit with no hook")
	assert.Zero(t, allocs(otelHook(t, mp, tracenoop.NewTracerProvider())))
}
