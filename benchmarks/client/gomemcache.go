package client

import (
	"context"
	"errors"

	gm "github.com/bradfitz/gomemcache/memcache"
)

// Gomemcache is a gomemcache client used directly.
type Gomemcache struct {
	c *gm.Client
}

var (
	_ KV[[]byte]    = (*Gomemcache)(nil)
	_ MultiGetter   = (*Gomemcache)(nil)
	_ Adder[[]byte] = (*Gomemcache)(nil)
	_ Incrementer   = (*Gomemcache)(nil)
)

// NewGomemcache adapts client; Close closes its idle connections.
func NewGomemcache(client *gm.Client) *Gomemcache { return &Gomemcache{c: client} }

// Name returns "gomemcache".
func (g *Gomemcache) Name() string { return "gomemcache" }

// Get sends get.
func (g *Gomemcache) Get(_ context.Context, key string) ([]byte, bool, error) {
	it, err := g.c.Get(key)
	if errors.Is(err, gm.ErrCacheMiss) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return it.Value, true, nil
}

// Set sends set without expiry.
func (g *Gomemcache) Set(_ context.Context, key string, val []byte) error {
	return g.c.Set(&gm.Item{Key: key, Value: val})
}

// MultiGet sends one get with every key (GetMulti).
func (g *Gomemcache) MultiGet(_ context.Context, keys []string) (int, error) {
	m, err := g.c.GetMulti(keys)
	return len(m), err
}

// Add sends add.
func (g *Gomemcache) Add(_ context.Context, key string, val []byte) (bool, error) {
	err := g.c.Add(&gm.Item{Key: key, Value: val})
	if errors.Is(err, gm.ErrNotStored) {
		return false, nil
	}
	return err == nil, err
}

// Increment sends incr for a positive delta and decr for a negative one.
// memcached's own counters stop at 0 and fail on a missing key: the
// benchmarks create the counters first and only count up.
func (g *Gomemcache) Increment(_ context.Context, key string, delta int64) (int64, error) {
	var n uint64
	var err error
	if delta >= 0 {
		n, err = g.c.Increment(key, uint64(delta))
	} else {
		n, err = g.c.Decrement(key, uint64(-delta))
	}
	return int64(n), err
}

// Close closes the client's idle connections.
func (g *Gomemcache) Close() error { return g.c.Close() }
