package otel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/hooktest"
	cachekitotel "github.com/cachekit/cachekit/contrib/otel"
)

// discard is a span exporter that drops what it is given, so that a
// benchmark measures the making of spans, not their export.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// sdkProviders returns the SDK's MeterProvider (read by hand, never: the
// cost of a measurement does not depend on the reader) and TracerProvider
// (every span sampled, batched to a discarding exporter).
func sdkProviders(tb testing.TB) (metric.MeterProvider, trace.TracerProvider) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	tb.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	})
	return mp, tp
}

func otelHook(tb testing.TB, mp metric.MeterProvider, tp trace.TracerProvider) []cache.Hook {
	h, err := cachekitotel.Hook(cachekitotel.WithMeterProvider(mp), cachekitotel.WithTracerProvider(tp))
	require.NoError(tb, err)
	return []cache.Hook{h}
}

// BenchmarkGetHit reads present keys of a memory cache with no hook
// (the reference); with a hook that does nothing (the cost of the cache's
// clock reads, which any hook brings); and with the Hook on no-op
// providers, on the SDK's MeterProvider alone (spans off), and on the
// SDK's MeterProvider and TracerProvider, sampling no span (what a service
// that samples few traces pays for most calls) or every span.
func BenchmarkGetHit(b *testing.B) {
	mp, tp := sdkProviders(b)
	unsampled := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithBatcher(discard{}))
	b.Cleanup(func() { _ = unsampled.Shutdown(context.Background()) })
	for _, bc := range []struct {
		name  string
		hooks func() []cache.Hook
	}{
		{"hook=none", func() []cache.Hook { return nil }},
		{"hook=func", func() []cache.Hook {
			return []cache.Hook{cache.HookFunc(func(context.Context, cache.Event) {})}
		}},
		{"hook=otel-noop", func() []cache.Hook {
			return otelHook(b, metricnoop.NewMeterProvider(), tracenoop.NewTracerProvider())
		}},
		{"hook=otel-metrics", func() []cache.Hook { return otelHook(b, mp, tracenoop.NewTracerProvider()) }},
		{"hook=otel-metrics+unsampled", func() []cache.Hook { return otelHook(b, mp, unsampled) }},
		{"hook=otel-metrics+traces", func() []cache.Hook { return otelHook(b, mp, tp) }},
	} {
		b.Run(bc.name, func(b *testing.B) { hooktest.GetHits(b, bc.hooks()) })
	}
}
