package client

import (
	"context"

	"github.com/maypok86/otter/v2"
)

// Otter is an otter v2 cache as a KV: GetIfPresent, Set, SetIfAbsent and
// Compute.
type Otter[V int | int64] struct {
	c *otter.Cache[string, V]
}

var (
	_ KV[int]     = (*Otter[int])(nil)
	_ MultiGetter = (*Otter[int])(nil)
	_ Adder[int]  = (*Otter[int])(nil)
	_ Incrementer = (*Otter[int])(nil)
)

// NewOtter returns an otter cache bounded to capacity entries.
func NewOtter[V int | int64](capacity int) *Otter[V] {
	return &Otter[V]{c: otter.Must(&otter.Options[string, V]{
		MaximumSize:     capacity,
		InitialCapacity: capacity,
	})}
}

// Name returns "otter".
func (o *Otter[V]) Name() string { return "otter" }

// Get reads key with GetIfPresent.
func (o *Otter[V]) Get(_ context.Context, key string) (V, bool, error) {
	v, ok := o.c.GetIfPresent(key)
	return v, ok, nil
}

// Set writes key with Set.
func (o *Otter[V]) Set(_ context.Context, key string, val V) error {
	o.c.Set(key, val)
	return nil
}

// MultiGet reads keys one by one with GetIfPresent into a map, the shape
// of Cache.MultiGet's result.
func (o *Otter[V]) MultiGet(_ context.Context, keys []string) (int, error) {
	m := make(map[string]V, len(keys))
	for _, k := range keys {
		if v, ok := o.c.GetIfPresent(k); ok {
			m[k] = v
		}
	}
	return len(m), nil
}

// Add writes key with SetIfAbsent.
func (o *Otter[V]) Add(_ context.Context, key string, val V) (bool, error) {
	_, added := o.c.SetIfAbsent(key, val)
	return added, nil
}

// Increment adds delta with Compute.
func (o *Otter[V]) Increment(_ context.Context, key string, delta int64) (int64, error) {
	v, _ := o.c.Compute(key, func(old V, _ bool) (V, otter.ComputeOp) {
		return old + V(delta), otter.WriteOp
	})
	return int64(v), nil
}

// Close stops otter's background work.
func (o *Otter[V]) Close() error {
	o.c.StopAllGoroutines()
	return nil
}
