package client

import (
	"context"
	"errors"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	ckmemcache "github.com/cachekit/cachekit/memcache"
	"github.com/cachekit/cachekit/memory"
	ckredis "github.com/cachekit/cachekit/rueidis"
	"github.com/cachekit/cachekit/serializer"
)

// Cachekit is a cache.Cache[string, V] as a KV.
type Cachekit[V any] struct {
	c      *cache.Cache[string, V]
	closer func() error
}

var (
	_ KV[int]       = (*Cachekit[int])(nil)
	_ MultiGetter   = (*Cachekit[int])(nil)
	_ Adder[int]    = (*Cachekit[int])(nil)
	_ Incrementer   = (*Cachekit[int])(nil)
	_ KV[[]byte]    = (*Cachekit[[]byte])(nil)
	_ Adder[[]byte] = (*Cachekit[[]byte])(nil)
)

// newCachekit returns a KV over a cache on store with serializer ser (nil:
// the cache's default). Close runs closer, which should close the store and
// whatever client it runs on.
func newCachekit[V any](store cache.Store, ser cache.Serializer[V], closer func() error) *Cachekit[V] {
	// cache.New fails only for a namespace or TTL these options do not set.
	return &Cachekit[V]{c: cache.Must(cache.New(store, cache.Options[string, V]{Serializer: ser})), closer: closer}
}

// NewCachekitMemory returns a Cache[string, int] without serializer on a
// memory store bounded to capacity entries: the value path, which keeps the
// ints as they are.
func NewCachekitMemory(capacity int) *Cachekit[int] {
	return NewCachekitMemoryStore(memory.New(memory.Options{MaxEntries: capacity}))
}

// NewCachekitMemoryStore returns a Cache[string, int] without serializer
// on s; Close closes s.
func NewCachekitMemoryStore(s *memory.Store) *Cachekit[int] {
	return newCachekit[int](s, nil, s.Close)
}

// CachekitHooked is NewCachekitMemoryStore's cache with hooks (metrics,
// tracing) in its Options.Hooks.
type CachekitHooked struct {
	*Cachekit[int]
	name string
}

// NewCachekitMemoryHooked returns a Cache[string, int] named name, without
// serializer nor namespace, on s, observed by hooks; Close closes s.
func NewCachekitMemoryHooked(name string, s *memory.Store, hooks ...cache.Hook) CachekitHooked {
	c := cache.Must(cache.New(s, cache.Options[string, int]{Hooks: hooks}))
	return CachekitHooked{&Cachekit[int]{c: c, closer: s.Close}, name}
}

// Name returns the name given to NewCachekitMemoryHooked.
func (k CachekitHooked) Name() string { return k.name }

// NewCachekitRedis returns a Cache[string, []byte] with serializer.Bytes on
// a Redis store (standalone or Cluster) over client. Close closes the store,
// then the client.
func NewCachekitRedis(client rd.Client) *Cachekit[[]byte] {
	s := ckredis.New(client, ckredis.Options{})
	return newCachekit(s, serializer.Bytes(), func() error {
		err := s.Close()
		client.Close()
		return err
	})
}

// NewCachekitMemcached returns a Cache[string, []byte] with
// serializer.Bytes on a memcache store over client. Close closes the store
// and the client's idle connections.
func NewCachekitMemcached(client *gm.Client) *Cachekit[[]byte] {
	s := ckmemcache.New(client, ckmemcache.Options{})
	return newCachekit(s, serializer.Bytes(), func() error {
		return errors.Join(s.Close(), client.Close())
	})
}

// Name returns "cachekit".
func (k *Cachekit[V]) Name() string { return "cachekit" }

// Get reads key with Cache.Get.
func (k *Cachekit[V]) Get(ctx context.Context, key string) (V, bool, error) {
	return k.c.Get(ctx, key)
}

// Set writes key with Cache.Set, without expiry.
func (k *Cachekit[V]) Set(ctx context.Context, key string, val V) error {
	return k.c.Set(ctx, key, val)
}

// MultiGet reads keys with Cache.MultiGet.
func (k *Cachekit[V]) MultiGet(ctx context.Context, keys []string) (int, error) {
	m, err := k.c.MultiGet(ctx, keys...)
	return len(m), err
}

// Add writes key with Cache.Add; cache.ErrExists is a false result.
func (k *Cachekit[V]) Add(ctx context.Context, key string, val V) (bool, error) {
	err := k.c.Add(ctx, key, val)
	if errors.Is(err, cache.ErrExists) {
		return false, nil
	}
	return err == nil, err
}

// Increment adds delta with Cache.Increment.
func (k *Cachekit[V]) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	return k.c.Increment(ctx, key, delta)
}

// Close closes the store and its client.
func (k *Cachekit[V]) Close() error { return k.closer() }

// CachekitNear is NewCachekitRedis with rueidis.Options.ClientSideCache:
// reads served from the client's memory, kept coherent by Redis.
type CachekitNear struct{ *Cachekit[[]byte] }

// NewCachekitRedisNear returns a Cache[string, []byte] on a Redis store
// over client whose reads go through a near cache keeping entries at most
// ttl.
func NewCachekitRedisNear(client rd.Client, ttl time.Duration) CachekitNear {
	s := ckredis.New(client, ckredis.Options{ClientSideCache: ttl})
	return CachekitNear{newCachekit(s, serializer.Bytes(), func() error {
		err := s.Close()
		client.Close()
		return err
	})}
}

// Name returns "cachekit-near".
func (CachekitNear) Name() string { return "cachekit-near" }
