package client

import (
	"context"

	"github.com/dgraph-io/ristretto/v2"
)

// Ristretto is a ristretto v2 cache as a KV, every entry of cost 1. Its
// writes are applied asynchronously (and may be dropped under contention,
// by design): Wait makes them visible.
type Ristretto[V any] struct {
	c *ristretto.Cache[string, V]
}

var (
	_ KV[int]     = (*Ristretto[int])(nil)
	_ MultiGetter = (*Ristretto[int])(nil)
	_ Waiter      = (*Ristretto[int])(nil)
)

// NewRistretto returns a ristretto cache bounded to capacity entries, with
// ten counters per entry as ristretto's documentation advises.
func NewRistretto[V any](capacity int) *Ristretto[V] {
	c, err := ristretto.NewCache(&ristretto.Config[string, V]{
		NumCounters: 10 * int64(capacity),
		MaxCost:     int64(capacity),
		BufferItems: 64,
		// Count entries, not bytes: without it every entry also costs
		// ristretto's own bookkeeping, and capacity entries do not fit.
		IgnoreInternalCost: true,
	})
	if err != nil {
		panic(err) // the configuration above is valid
	}
	return &Ristretto[V]{c: c}
}

// Name returns "ristretto".
func (r *Ristretto[V]) Name() string { return "ristretto" }

// Get reads key.
func (r *Ristretto[V]) Get(_ context.Context, key string) (V, bool, error) {
	v, ok := r.c.Get(key)
	return v, ok, nil
}

// Set writes key with cost 1.
func (r *Ristretto[V]) Set(_ context.Context, key string, val V) error {
	r.c.Set(key, val, 1)
	return nil
}

// MultiGet reads keys one by one into a map, the shape of
// Cache.MultiGet's result.
func (r *Ristretto[V]) MultiGet(_ context.Context, keys []string) (int, error) {
	m := make(map[string]V, len(keys))
	for _, k := range keys {
		if v, ok := r.c.Get(k); ok {
			m[k] = v
		}
	}
	return len(m), nil
}

// Wait applies the buffered writes.
func (r *Ristretto[V]) Wait() { r.c.Wait() }

// Close stops ristretto's goroutines.
func (r *Ristretto[V]) Close() error {
	r.c.Close()
	return nil
}
