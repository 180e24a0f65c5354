package client

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// GoRedis is a go-redis v9 client (standalone or Cluster) used directly.
type GoRedis struct {
	c redis.UniversalClient
}

var (
	_ KV[[]byte]    = (*GoRedis)(nil)
	_ MultiGetter   = (*GoRedis)(nil)
	_ Adder[[]byte] = (*GoRedis)(nil)
	_ Incrementer   = (*GoRedis)(nil)
)

// NewGoRedis adapts client; Close closes it.
func NewGoRedis(client redis.UniversalClient) *GoRedis { return &GoRedis{c: client} }

// Name returns "go-redis".
func (g *GoRedis) Name() string { return "go-redis" }

// Get sends GET.
func (g *GoRedis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := g.c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// Set sends SET without expiry.
func (g *GoRedis) Set(ctx context.Context, key string, val []byte) error {
	return g.c.Set(ctx, key, val, 0).Err()
}

// MultiGet sends one MGET to a standalone server and, to a Cluster (where
// MGET needs its keys in one slot), one pipeline of GETs.
func (g *GoRedis) MultiGet(ctx context.Context, keys []string) (int, error) {
	hits := 0
	if _, ok := g.c.(*redis.ClusterClient); !ok {
		vals, err := g.c.MGet(ctx, keys...).Result()
		if err != nil {
			return 0, err
		}
		for _, v := range vals {
			if v != nil {
				hits++
			}
		}
		return hits, nil
	}
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := g.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, err
	}
	for _, c := range cmds {
		if c.Err() == nil {
			hits++
		}
	}
	return hits, nil
}

// Add sends SET NX.
func (g *GoRedis) Add(ctx context.Context, key string, val []byte) (bool, error) {
	return g.c.SetNX(ctx, key, val, 0).Result()
}

// Increment sends INCRBY.
func (g *GoRedis) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	return g.c.IncrBy(ctx, key, delta).Result()
}

// Close closes the client.
func (g *GoRedis) Close() error { return g.c.Close() }
