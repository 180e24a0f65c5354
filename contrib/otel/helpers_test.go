package otel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/hooktest"
	cachekitotel "github.com/cachekit/cachekit/contrib/otel"
)

// telemetry is an SDK MeterProvider read by hand and an SDK
// TracerProvider whose spans are recorded, with a Hook on both.
type telemetry struct {
	mp     *sdkmetric.MeterProvider
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	hook   cache.StartHook
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	tel.mp = mp
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	t.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tel.tp.Shutdown(context.Background())
	})
	h, err := cachekitotel.Hook(cachekitotel.WithMeterProvider(mp), cachekitotel.WithTracerProvider(tel.tp))
	require.NoError(t, err)
	tel.hook = h
	return tel
}

// The caches and the clock of the tests, shared with those of the other
// exporter.
var (
	newCache = hooktest.NewCache
	newClock = hooktest.NewClock
)

// metrics collects every metric, by name.
func (tel *telemetry) metrics(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tel.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

func labels(kv ...string) attribute.Set {
	attrs := make([]attribute.KeyValue, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, attribute.String(kv[i], kv[i+1]))
	}
	return attribute.NewSet(attrs...)
}

// count returns the value of the counter name at exactly the labels kv
// (key, value, key, value...), 0 if it has no such point.
func (tel *telemetry) count(t *testing.T, name string, kv ...string) int64 {
	t.Helper()
	m, ok := tel.metrics(t)[name]
	if !ok {
		return 0
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T, not an int64 sum", name, m.Data)
	require.True(t, sum.IsMonotonic, "%s is a counter", name)
	want := labels(kv...)
	for _, dp := range sum.DataPoints {
		if dp.Attributes.Equals(&want) {
			return dp.Value
		}
	}
	return 0
}

// observations returns the count of the histogram name at exactly the
// labels kv, 0 if it has no such point.
func (tel *telemetry) observations(t *testing.T, name string, kv ...string) uint64 {
	t.Helper()
	p, ok := tel.histogram(t, name, kv...)
	if !ok {
		return 0
	}
	return p.Count
}

func (tel *telemetry) histogram(t *testing.T, name string, kv ...string) (metricdata.HistogramDataPoint[float64], bool) {
	t.Helper()
	m, ok := tel.metrics(t)[name]
	if !ok {
		return metricdata.HistogramDataPoint[float64]{}, false
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a %T, not a float64 histogram", name, m.Data)
	want := labels(kv...)
	for _, dp := range h.DataPoints {
		if dp.Attributes.Equals(&want) {
			return dp, true
		}
	}
	return metricdata.HistogramDataPoint[float64]{}, false
}

// ended returns the ended spans named name.
func (tel *telemetry) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// attrs returns the attributes of s as a map.
func attrs(s sdktrace.ReadOnlySpan) map[string]any {
	m := map[string]any{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

// spyStore records the span of the context of each Get it is given.
type spyStore struct {
	cache.Store
	got chan trace.SpanContext
}

func (s *spyStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	s.got <- trace.SpanContextFromContext(ctx)
	return s.Store.Get(ctx, key)
}

// failingStore fails every Get with err.
type failingStore struct {
	cache.Store
	err error
}

func (s failingStore) Get(context.Context, string) ([]byte, bool, error) { return nil, false, s.err }
