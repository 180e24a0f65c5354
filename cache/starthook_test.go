package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
)

type spanKey struct{}

// spans is a StartHook that puts the operation's name in the context it
// returns, as a tracer puts a span, and records what Observe got.
type spans struct {
	started []string
	seen    []string // the span found in Observe's ctx, per event
	events  []cache.Event
}

func (s *spans) Start(ctx context.Context, op cache.Op, key string) context.Context {
	s.started = append(s.started, op.String()+" "+key)
	return context.WithValue(ctx, spanKey{}, op.String())
}

func (s *spans) Observe(ctx context.Context, e cache.Event) {
	span, _ := ctx.Value(spanKey{}).(string)
	s.seen = append(s.seen, span)
	s.events = append(s.events, e)
}

// ctxStore records the span in the context of each store call.
type ctxStore struct {
	cache.Store
	got []string
}

func (s *ctxStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	span, _ := ctx.Value(spanKey{}).(string)
	s.got = append(s.got, span)
	return s.Store.Get(ctx, key)
}

func (s *ctxStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	span, _ := ctx.Value(spanKey{}).(string)
	s.got = append(s.got, span)
	return s.Store.Set(ctx, key, val, ttl)
}

func TestStartHookContextReachesTheStoreAndObserve(t *testing.T) {
	st := &ctxStore{Store: cachetest.RequiredOnly(newMemory(t))}
	h := &spans{}
	c := cache.Must(cache.New(st, cache.Options[string, string]{Namespace: "ns", Hooks: []cache.Hook{h}}))
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", "v"))
	_, found, err := c.Get(ctx, "k")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, []string{"set ns:k", "get ns:k"}, h.started, "Start is told the operation and its key")
	assert.Equal(t, []string{"set", "get"}, st.got, "the store gets the context Start returned")
	assert.Equal(t, []string{"set", "get"}, h.seen, "Observe gets the context Start returned")
	for _, e := range h.events {
		assert.Equal(t, "ns", e.Namespace)
	}
}

func TestPlainHookIsNotStarted(t *testing.T) {
	st := &ctxStore{Store: cachetest.RequiredOnly(newMemory(t))}
	var events int
	c := cache.Must(cache.New(st, cache.Options[string, string]{Hooks: []cache.Hook{cache.HookFunc(func(context.Context, cache.Event) { events++ })}}))
	require.NoError(t, c.Set(t.Context(), "k", "v"))
	assert.Equal(t, []string{""}, st.got, "the caller's context, as it was")
	assert.Equal(t, 1, events)
}

func TestGetHitWithAPlainHookDoesNotAllocate(t *testing.T) {
	c := cache.Must(cache.New(newMemory(t), cache.Options[string, int]{Hooks: []cache.Hook{cache.HookFunc(func(context.Context, cache.Event) {})}}))
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "k", 1))
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _, _ = c.Get(ctx, "k") }))
}
