package client

import (
	"context"
	"errors"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// GoRedisWatch is Redis' own optimistic transaction through go-redis, as
// its documentation shows it: WATCH key, GET, MULTI/SET/EXEC on a
// connection taken from the pool, repeated while EXEC fails.
type GoRedisWatch struct {
	c *redis.Client
}

var _ Updater = (*GoRedisWatch)(nil)

// NewGoRedisWatch adapts client; Close closes it.
func NewGoRedisWatch(client *redis.Client) *GoRedisWatch { return &GoRedisWatch{c: client} }

// Name returns "go-redis-watch".
func (g *GoRedisWatch) Name() string { return "go-redis-watch" }

// Update runs the WATCH transaction until it commits.
func (g *GoRedisWatch) Update(ctx context.Context, key string, fn func(int64) int64) (int, error) {
	for attempts := 1; ; attempts++ {
		err := g.c.Watch(ctx, func(tx *redis.Tx) error {
			old, err := tx.Get(ctx, key).Int64()
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, strconv.FormatInt(fn(old), 10), 0)
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return attempts, err
		}
	}
}

// Get reads the counter with GET.
func (g *GoRedisWatch) Get(ctx context.Context, key string) (int64, bool, error) {
	n, err := g.c.Get(ctx, key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	return n, err == nil, err
}

// Delete sends DEL.
func (g *GoRedisWatch) Delete(ctx context.Context, key string) error {
	return g.c.Del(ctx, key).Err()
}

// Close closes the client.
func (g *GoRedisWatch) Close() error { return g.c.Close() }
