package client

import (
	"context"
	"errors"

	rcache "github.com/go-redis/cache/v9"
	"github.com/redis/go-redis/v9"
)

// GoRedisCache is github.com/go-redis/cache/v9 over a go-redis client,
// without its local cache: the typed cache most often used with go-redis.
// It passes []byte values through unencoded, as cachekit's
// serializer.Bytes does. It has no way to write without expiry (a TTL of
// 0 means one hour), no multi-key read and no increment.
type GoRedisCache struct {
	client redis.UniversalClient
	c      *rcache.Cache
}

var (
	_ KV[[]byte]    = (*GoRedisCache)(nil)
	_ Adder[[]byte] = (*GoRedisCache)(nil)
)

// NewGoRedisCache returns a cache over client; Close closes the client.
func NewGoRedisCache(client redis.UniversalClient) *GoRedisCache {
	return &GoRedisCache{client: client, c: rcache.New(&rcache.Options{Redis: client})}
}

// Name returns "go-redis-cache".
func (g *GoRedisCache) Name() string { return "go-redis-cache" }

// Get reads key into a []byte (which the library copies).
func (g *GoRedisCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var b []byte
	err := g.c.Get(ctx, key, &b)
	if errors.Is(err, rcache.ErrCacheMiss) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// Set writes key with the library's default expiry of one hour.
func (g *GoRedisCache) Set(ctx context.Context, key string, val []byte) error {
	return g.c.Set(&rcache.Item{Ctx: ctx, Key: key, Value: val})
}

// Add writes key with SetNX. The library does not say whether the key was
// written, so Add reports true whenever Redis did not fail: all that a
// caller of the library can know.
func (g *GoRedisCache) Add(ctx context.Context, key string, val []byte) (bool, error) {
	err := g.c.Set(&rcache.Item{Ctx: ctx, Key: key, Value: val, SetNX: true})
	return err == nil, err
}

// Close closes the client.
func (g *GoRedisCache) Close() error { return g.client.Close() }
