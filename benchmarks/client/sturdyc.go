package client

import (
	"context"
	"time"

	"github.com/viccon/sturdyc"
)

// sturdycShards is the number of shards of a sturdyc cache: its README's
// examples use 10.
const sturdycShards = 10

// Sturdyc is a sturdyc cache read with GetOrFetch: a singleflight per key
// over an in-process cache whose values expire after a TTL, and, with
// early refreshes (WithEarlyRefreshes), reloaded in the background by a
// Get that finds them older than the refresh time. In this process only.
type Sturdyc struct {
	name string
	c    *sturdyc.Client[string]
	load Load
}

// NewSturdyc returns a sturdyc cache named name, bounded to capacity
// entries, whose values expire ttl after they were written, loading with
// load. With refreshAfter > 0 it refreshes early: a Get of a value older
// than refreshAfter returns it and reloads it in the background (the min
// and max of the refresh time both refreshAfter, no synchronous refresh
// before the TTL, a refresh retried at most every retry while a reload
// runs or after it failed). Without continuous evictions: the benchmarks
// stay far below capacity, and sturdyc's eviction goroutine never ends.
func NewSturdyc(name string, capacity int, ttl, refreshAfter, retry time.Duration, load Load) *Sturdyc {
	opts := []sturdyc.Option{sturdyc.WithNoContinuousEvictions()}
	if refreshAfter > 0 {
		opts = append(opts, sturdyc.WithEarlyRefreshes(refreshAfter, refreshAfter, ttl, retry))
	}
	return &Sturdyc{
		name: name,
		c:    sturdyc.New[string](capacity, sturdycShards, ttl, 10, opts...),
		load: load,
	}
}

// Name returns the name given to NewSturdyc.
func (s *Sturdyc) Name() string { return s.name }

// Get is GetOrFetch with a fetch function of key, as sturdyc is used.
func (s *Sturdyc) Get(ctx context.Context, key string) (string, error) {
	return s.c.GetOrFetch(ctx, key, func(ctx context.Context) (string, error) { return s.load(ctx, key) })
}

// Set is sturdyc's Set.
func (s *Sturdyc) Set(_ context.Context, key, val string) error {
	s.c.Set(key, val)
	return nil
}

// Close does nothing: sturdyc has no Close, and without continuous
// evictions it runs no goroutine of its own but its refreshes, which end
// with the load function.
func (s *Sturdyc) Close() error { return nil }
