package otel

import (
	"context"
	"sync"

	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cachekit/cachekit/cache"
)

// scope is the instrumentation scope of the meter and the tracer.
const scope = "github.com/cachekit/cachekit/contrib/otel"

// Option configures Hook.
type Option func(*config)

type config struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider records the metrics through mp instead of the global
// otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithTracerProvider records the spans through tp instead of the global
// otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// Hook returns a cache.StartHook that records the metrics and spans of
// SEMANTICS.md "Observability" (see the package documentation). Put it in
// the Options.Hooks of every cache to observe. It fails if an instrument
// cannot be created.
func Hook(opts ...Option) (cache.StartHook, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.mp == nil {
		cfg.mp = otelapi.GetMeterProvider()
	}
	if cfg.tp == nil {
		cfg.tp = otelapi.GetTracerProvider()
	}
	h := &hook{}
	if _, off := cfg.mp.(metricnoop.MeterProvider); !off {
		in, err := newInstruments(cfg.mp.Meter(scope))
		if err != nil {
			return nil, err
		}
		h.metrics = in
	}
	if _, off := cfg.tp.(tracenoop.TracerProvider); !off {
		h.tracer = cfg.tp.Tracer(scope)
	}
	return h, nil
}

// hook is the cache.StartHook that Hook returns.
type hook struct {
	metrics *instruments // nil: metrics off (a no-op MeterProvider)
	tracer  trace.Tracer // nil: spans off (a no-op TracerProvider)
	spaces  sync.Map     // namespace → *space, built once per namespace
}

var _ cache.StartHook = (*hook)(nil)

// Start begins the span of an operation; the context it returns carries
// it down to the store and back to Observe.
func (h *hook) Start(ctx context.Context, op cache.Op, _ string) context.Context {
	if h.tracer == nil {
		return ctx
	}
	ctx, span := h.tracer.Start(ctx, spanName(op), spanStarts...)
	if !span.IsRecording() {
		// Not sampled: a span with nothing to record or end, that only
		// carries the trace down to the store (see endSpan).
		return ctx
	}
	return &opContext{Context: ctx, hook: h, span: span, op: op}
}

// Observe records e's measurements and ends its span.
func (h *hook) Observe(ctx context.Context, e cache.Event) {
	s := h.space(e.Namespace)
	if h.metrics != nil {
		h.metrics.record(ctx, s, &e)
	}
	if h.tracer != nil {
		h.endSpan(ctx, s, &e)
	}
}

// space returns the prepared attributes of namespace ns.
func (h *hook) space(ns string) *space {
	if s, ok := h.spaces.Load(ns); ok {
		return s.(*space)
	}
	s, _ := h.spaces.LoadOrStore(ns, newSpace(ns))
	return s.(*space)
}
