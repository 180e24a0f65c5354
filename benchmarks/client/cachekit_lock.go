package client

import (
	"context"
	"fmt"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
	ckredis "github.com/cachekit/cachekit/rueidis"
	"github.com/cachekit/cachekit/serializer"
)

// CachekitRed is cachekit's lease lock, lock.Red, on a store, with a
// Cache[string, []byte] for the guarded values.
type CachekitRed struct {
	c     *cache.Cache[string, []byte]
	lease time.Duration
	close func() error
}

var (
	_ Lock  = (*CachekitRed)(nil)
	_ Guard = (*CachekitRed)(nil)
)

// NewCachekitRed returns locks with the given lease on a Redis store over
// client. Close closes the store, then the client.
func NewCachekitRed(client rd.Client, lease time.Duration) *CachekitRed {
	s := ckredis.New(client, ckredis.Options{})
	return NewCachekitRedStore(s, lease, func() error {
		err := s.Close()
		client.Close()
		return err
	})
}

// NewCachekitRedStore returns locks with the given lease on store; Close
// runs close, which should close the store and its client.
func NewCachekitRedStore(store cache.Store, lease time.Duration, close func() error) *CachekitRed {
	c := cache.Must(cache.New(store, cache.Options[string, []byte]{Serializer: serializer.Bytes()}))
	return &CachekitRed{c: c, lease: lease, close: close}
}

// Name returns "cachekit".
func (r *CachekitRed) Name() string { return "cachekit" }

// TryLock acquires lock.NewRed(key), with its fencing token (every
// acquisition draws one: Red.Fence is read, and must be set). The lock is
// free in the benchmarks that call TryLock; if it is not, Acquire waits
// for it to be released and TryLock returns ErrHeld.
func (r *CachekitRed) TryLock(ctx context.Context, key string) (func(context.Context) error, error) {
	l := lock.NewRed(r.c, key, r.lease)
	owned, err := l.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	if !owned {
		return nil, ErrHeld
	}
	if l.Fence() == 0 {
		_ = l.Release(ctx)
		return nil, fmt.Errorf("client: lock %q held without a fencing token", key)
	}
	return l.Release, nil
}

// Do runs fn with lock.Red's Do: the first caller holds the lock while fn
// runs; the others wait until it releases the lock (woken by its release,
// in this process or another) and then run fn without it.
func (r *CachekitRed) Do(ctx context.Context, key string, fn func(context.Context) error) error {
	return lock.NewRed(r.c, key, r.lease).Do(ctx, fn)
}

// Get reads key through the cache.
func (r *CachekitRed) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return r.c.Get(ctx, key)
}

// Set writes key through the cache.
func (r *CachekitRed) Set(ctx context.Context, key string, val []byte) error {
	return r.c.Set(ctx, key, val)
}

// Close closes the store and its client.
func (r *CachekitRed) Close() error { return r.close() }
