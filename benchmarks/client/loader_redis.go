package client

import (
	"context"
	"time"

	rcache "github.com/go-redis/cache/v9"
	"github.com/redis/go-redis/v9"
	rd "github.com/redis/rueidis"
	"github.com/redis/rueidis/rueidisaside"
)

// loaderTTL is the expiry of what the Redis loaders store.
const loaderTTL = time.Hour

// GoRedisCacheOnce is go-redis/cache's Once: a local singleflight per key
// over Redis, without the library's local cache, so that every hit reads
// Redis as cachekit's does. It does not coordinate processes.
type GoRedisCacheOnce struct {
	client redis.UniversalClient
	c      *rcache.Cache
	load   Load
}

// NewGoRedisCacheOnce returns Once over client, loading with load; Close
// closes the client.
func NewGoRedisCacheOnce(client redis.UniversalClient, load Load) *GoRedisCacheOnce {
	return &GoRedisCacheOnce{client: client, c: rcache.New(&rcache.Options{Redis: client}), load: load}
}

// Name returns "go-redis-cache-once".
func (g *GoRedisCacheOnce) Name() string { return "go-redis-cache-once" }

// Get is Cache.Once.
func (g *GoRedisCacheOnce) Get(ctx context.Context, key string) (string, error) {
	var v string
	err := g.c.Once(&rcache.Item{Ctx: ctx, Key: key, Value: &v, TTL: loaderTTL, Do: func(it *rcache.Item) (any, error) {
		return g.load(it.Context(), key)
	}})
	return v, err
}

// Set is Cache.Set.
func (g *GoRedisCacheOnce) Set(ctx context.Context, key, val string) error {
	return g.c.Set(&rcache.Item{Ctx: ctx, Key: key, Value: val, TTL: loaderTTL})
}

// Close closes the client.
func (g *GoRedisCacheOnce) Close() error { return g.client.Close() }

// Rueidisaside is rueidis' cache-aside client: client-side caching with a
// lock per key in Redis. Its hits are served from the client's memory
// (RESP3 tracking), not from Redis.
type Rueidisaside struct {
	c    rueidisaside.CacheAsideClient
	load Load
}

// NewRueidisaside returns a cache-aside client of the Redis at addr.
func NewRueidisaside(addr string, load Load) (*Rueidisaside, error) {
	c, err := rueidisaside.NewClient(rueidisaside.ClientOption{ClientOption: rd.ClientOption{InitAddress: []string{addr}}})
	if err != nil {
		return nil, err
	}
	return &Rueidisaside{c: c, load: load}, nil
}

// Name returns "rueidisaside".
func (r *Rueidisaside) Name() string { return "rueidisaside" }

// Get is CacheAsideClient.Get.
func (r *Rueidisaside) Get(ctx context.Context, key string) (string, error) {
	return r.c.Get(ctx, loaderTTL, key, r.load)
}

// Set writes through the client, as the library would after a load.
func (r *Rueidisaside) Set(ctx context.Context, key, val string) error {
	cl := r.c.Client()
	return cl.Do(ctx, cl.B().Set().Key(key).Value(val).Px(loaderTTL).Build()).Error()
}

// Close closes the client.
func (r *Rueidisaside) Close() error {
	r.c.Close()
	return nil
}
