package client

import (
	"context"
	"time"

	rd "github.com/redis/rueidis"
)

// Rueidis is a rueidis client used directly, the way an application
// without cachekit would: the floor of what the Redis store can cost.
type Rueidis struct {
	c rd.Client
}

var (
	_ KV[[]byte]    = (*Rueidis)(nil)
	_ MultiGetter   = (*Rueidis)(nil)
	_ Adder[[]byte] = (*Rueidis)(nil)
	_ Incrementer   = (*Rueidis)(nil)
)

// NewRueidis adapts client; Close closes it.
func NewRueidis(client rd.Client) *Rueidis { return &Rueidis{c: client} }

// Name returns "rueidis".
func (r *Rueidis) Name() string { return "rueidis" }

// Get sends GET.
func (r *Rueidis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.c.Do(ctx, r.c.B().Get().Key(key).Build()).AsBytes()
	if rd.IsRedisNil(err) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// Set sends SET.
func (r *Rueidis) Set(ctx context.Context, key string, val []byte) error {
	return r.c.Do(ctx, r.c.B().Set().Key(key).Value(rd.BinaryString(val)).Build()).Error()
}

// MultiGet reads keys with rueidis.MGet, the helper rueidis offers for
// it: one MGET on a standalone server and, on a Cluster, one MGET per hash
// slot sent as one pipeline; the result is a map of key to reply.
func (r *Rueidis) MultiGet(ctx context.Context, keys []string) (int, error) {
	m, err := rd.MGet(r.c, ctx, keys)
	if err != nil {
		return 0, err
	}
	hits := 0
	for _, msg := range m {
		if !msg.IsNil() {
			hits++
		}
	}
	return hits, nil
}

// Add sends SET NX.
func (r *Rueidis) Add(ctx context.Context, key string, val []byte) (bool, error) {
	err := r.c.Do(ctx, r.c.B().Set().Key(key).Value(rd.BinaryString(val)).Nx().Build()).Error()
	if rd.IsRedisNil(err) {
		return false, nil
	}
	return err == nil, err
}

// Increment sends INCRBY.
func (r *Rueidis) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	return r.c.Do(ctx, r.c.B().Incrby().Key(key).Increment(delta).Build()).AsInt64()
}

// Close closes the client.
func (r *Rueidis) Close() error {
	r.c.Close()
	return nil
}

// RueidisCached is a rueidis client whose Get is DoCache: the floor of a
// near cache on rueidis' client-side caching.
type RueidisCached struct {
	*Rueidis
	ttl time.Duration
}

// NewRueidisCached adapts client with reads through DoCache, entries kept
// at most ttl; Close closes it.
func NewRueidisCached(client rd.Client, ttl time.Duration) *RueidisCached {
	return &RueidisCached{Rueidis: NewRueidis(client), ttl: ttl}
}

// Name returns "rueidis-docache".
func (r *RueidisCached) Name() string { return "rueidis-docache" }

// Get sends a cacheable GET through DoCache.
func (r *RueidisCached) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.c.DoCache(ctx, r.c.B().Get().Key(key).Cache(), r.ttl).AsBytes()
	if rd.IsRedisNil(err) {
		return nil, false, nil
	}
	return b, err == nil, err
}
