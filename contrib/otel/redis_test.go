package otel_test

import (
	"testing"

	"github.com/redis/rueidis"
	"github.com/redis/rueidis/rueidisotel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	ckredis "github.com/cachekit/cachekit/rueidis"
)

// The README's promise: with rueidisotel's client, the span of each Redis
// command is a child of the cachekit span of the operation that sent it.
func TestRedisCommandSpansNestUnderTheCacheSpans(t *testing.T) {
	tel := newTelemetry(t)
	client, err := rueidisotel.NewClient(rueidis.ClientOption{InitAddress: []string{testserver.Redis(t)}},
		rueidisotel.WithTracerProvider(tel.tp), rueidisotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	require.NoError(t, err)
	store := ckredis.New(client, ckredis.Options{})
	t.Cleanup(func() {
		_ = store.Close()
		client.Close()
	})
	c := cache.Must(cache.New(store, cache.Options[string, string]{Namespace: "otel-nesting", Hooks: []cache.Hook{tel.hook}}))

	ctx, parent := tel.tp.Tracer("test").Start(t.Context(), "request")
	require.NoError(t, c.Set(ctx, "k", "v"))
	v, found, err := c.Get(ctx, "k")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "v", v)
	parent.End()

	for _, name := range []string{"cachekit.set", "cachekit.get"} {
		spans := tel.ended(name)
		require.Len(t, spans, 1, name)
		op := spans[0]
		assert.Equal(t, parent.SpanContext(), op.Parent(), "%s is a child of the caller's span", name)
		children := childrenOf(tel.spans.Ended(), op.SpanContext())
		require.NotEmpty(t, children, "%s has the Redis command's span as its child", name)
		for _, child := range children {
			assert.Equal(t, trace.SpanKindClient, child.SpanKind(), "rueidisotel's span of the command")
		}
	}
}

func childrenOf(spans []sdktrace.ReadOnlySpan, parent trace.SpanContext) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Parent().SpanID() == parent.SpanID() && s.Parent().TraceID() == parent.TraceID() {
			out = append(out, s)
		}
	}
	return out
}
