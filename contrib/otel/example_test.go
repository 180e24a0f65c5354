package otel_test

import (
	"context"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cachekit/cachekit/cache"
	cachekitotel "github.com/cachekit/cachekit/contrib/otel"
	"github.com/cachekit/cachekit/memory"
)

// A Hook on an SDK MeterProvider and TracerProvider. A service would give
// them a PeriodicReader and a batching span exporter (OTLP, say) and make
// them the global providers, which Hook() uses by default; here a
// ManualReader and a SpanRecorder show what was recorded.
func ExampleHook() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	ctx := context.Background()
	defer func() { _ = mp.Shutdown(ctx); _ = tp.Shutdown(ctx) }()

	hook, err := cachekitotel.Hook(cachekitotel.WithMeterProvider(mp), cachekitotel.WithTracerProvider(tp))
	if err != nil {
		panic(err)
	}
	store := memory.New(memory.Options{})
	defer store.Close()
	users := cache.Must(cache.New(store, cache.Options[int, string]{Namespace: "users", Hooks: []cache.Hook{hook}}))

	ctx, request := tp.Tracer("example").Start(ctx, "GET /users/1")
	_ = users.Set(ctx, 1, "Ada")
	_, _, _ = users.Get(ctx, 1)
	_, _, _ = users.Get(ctx, 2)
	request.End()

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "cachekit.operations" {
			for _, p := range sum.DataPoints {
				op, _ := p.Attributes.Value("op")
				result, _ := p.Attributes.Value("result")
				fmt.Printf("%s %s %s: %d\n", m.Name, op.AsString(), result.AsString(), p.Value)
			}
		}
	}
	for _, s := range spans.Ended() {
		fmt.Println(s.Name(), "child of the request:", s.Parent().SpanID() == request.SpanContext().SpanID())
	}
	// Unordered output:
	// cachekit.set child of the request: true
	// cachekit.get child of the request: true
	// cachekit.get child of the request: true
	// GET /users/1 child of the request: false
	// cachekit.operations set ok: 1
	// cachekit.operations get hit: 1
	// cachekit.operations get miss: 1
}
