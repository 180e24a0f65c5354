package benchmarks

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/cache"
	cachekitotel "github.com/cachekit/cachekit/contrib/otel"
	cachekitprom "github.com/cachekit/cachekit/contrib/prometheus"
	"github.com/cachekit/cachekit/memory"
)

// hookKeys is the number of keys BenchmarkHookGetHit reads.
const hookKeys = 1 << 10

// hookImpl is a memory cache with one set of hooks.
type hookImpl struct {
	name string
	make func(tb testing.TB) client.CachekitHooked
}

// discardSpans is a span exporter that drops what it is given, so that a
// benchmark measures the making of spans, not their export.
type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

// otelProviders are the OpenTelemetry SDK's providers of the hook
// benchmarks: a MeterProvider read by hand (never, here: the cost of a
// measurement does not depend on the reader), and TracerProviders that
// sample every span or none, batched to an exporter that drops them.
type otelProviders struct {
	reader    *sdkmetric.ManualReader
	meters    *sdkmetric.MeterProvider
	sampled   *sdktrace.TracerProvider
	unsampled *sdktrace.TracerProvider
}

func newOtelProviders(tb testing.TB) *otelProviders {
	p := &otelProviders{reader: sdkmetric.NewManualReader()}
	p.meters = sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader))
	p.sampled = sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardSpans{}))
	p.unsampled = sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithBatcher(discardSpans{}))
	tb.Cleanup(func() {
		ctx := context.Background()
		_ = p.meters.Shutdown(ctx)
		_ = p.sampled.Shutdown(ctx)
		_ = p.unsampled.Shutdown(ctx)
	})
	return p
}

// otelHook returns contrib/otel's Hook on mp and tp.
func otelHook(tb testing.TB, mp metric.MeterProvider, tp trace.TracerProvider) cache.Hook {
	h, err := cachekitotel.Hook(cachekitotel.WithMeterProvider(mp), cachekitotel.WithTracerProvider(tp))
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// hookImpls are a memory cache with no hook (cachekit, the reference),
// with an empty hook (the cost of the cache's clock reads, which any hook
// brings), with contrib/otel's Hook (SDK metrics without spans; with
// unsampled spans; with every span sampled) and with contrib/prometheus'
// Collector. prom is the collector of the last one (the smoke test reads
// it).
func hookImpls(p *otelProviders, prom *cachekitprom.Collector) []hookImpl {
	mem := func(name string, hooks func(tb testing.TB) []cache.Hook) hookImpl {
		return hookImpl{name, func(tb testing.TB) client.CachekitHooked {
			return client.NewCachekitMemoryHooked(name, memory.New(memory.Options{MaxEntries: memoryCapacity}), hooks(tb)...)
		}}
	}
	return []hookImpl{
		mem("cachekit", func(testing.TB) []cache.Hook { return nil }),
		mem("cachekit-hookfunc", func(testing.TB) []cache.Hook {
			return []cache.Hook{cache.HookFunc(func(context.Context, cache.Event) {})}
		}),
		mem("cachekit-otel", func(tb testing.TB) []cache.Hook {
			return []cache.Hook{otelHook(tb, p.meters, tracenoop.NewTracerProvider())}
		}),
		mem("cachekit-otel-unsampled", func(tb testing.TB) []cache.Hook { return []cache.Hook{otelHook(tb, p.meters, p.unsampled)} }),
		mem("cachekit-otel-traces", func(tb testing.TB) []cache.Hook { return []cache.Hook{otelHook(tb, p.meters, p.sampled)} }),
		mem("cachekit-prometheus", func(testing.TB) []cache.Hook { return []cache.Hook{prom} }),
	}
}

// BenchmarkHookGetHit reads present keys of a Cache[string, int] on the
// memory store (no namespace, no serializer: a Get hit allocates nothing
// without hooks), serially, with each set of hooks of hookImpls: what
// metrics and tracing cost a hit, beside no hook.
func BenchmarkHookGetHit(b *testing.B) {
	p := newOtelProviders(b)
	for _, im := range passOrder(hookImpls(p, cachekitprom.NewCollector())) {
		b.Run("impl="+im.name, func(b *testing.B) {
			kv := im.make(b)
			b.Cleanup(func() { _ = kv.Close() })
			ctx := context.Background()
			keys := keyNames(hookKeys)
			for i, k := range keys {
				if err := kv.Set(ctx, k, i); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, found, _ := kv.Get(ctx, keys[i&(hookKeys-1)]); !found {
					b.Fatal("miss")
				}
				i++
			}
		})
	}
}
