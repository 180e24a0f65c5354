package client

import (
	"context"
	"math"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
)

// CachekitUpdate is lock.Update, the retry loop of lock.Optimistic, on a
// Cache[string, int64] with the cache's default serializer (none on
// memory, JSON on byte stores: decimal text).
type CachekitUpdate struct {
	c      *cache.Cache[string, int64]
	closer func() error
}

var _ Updater = (*CachekitUpdate)(nil)

// NewCachekitUpdate returns updates of counters on store. Close runs
// closer, which should close the store and whatever client it runs on.
func NewCachekitUpdate(store cache.Store, closer func() error) *CachekitUpdate {
	return &CachekitUpdate{c: cache.Must(cache.New(store, cache.Options[string, int64]{})), closer: closer}
}

// Name returns "cachekit".
func (u *CachekitUpdate) Name() string { return "cachekit" }

// Update runs lock.Update with no bound on the attempts.
func (u *CachekitUpdate) Update(ctx context.Context, key string, fn func(int64) int64) (int, error) {
	attempts := 0
	_, err := lock.Update(ctx, u.c, key, math.MaxInt, func(old int64, _ bool) (int64, error) {
		attempts++
		return fn(old), nil
	})
	return attempts, err
}

// Get reads key through the cache.
func (u *CachekitUpdate) Get(ctx context.Context, key string) (int64, bool, error) {
	return u.c.Get(ctx, key)
}

// Delete deletes key through the cache.
func (u *CachekitUpdate) Delete(ctx context.Context, key string) error {
	_, err := u.c.Delete(ctx, key)
	return err
}

// Close closes the store and its client.
func (u *CachekitUpdate) Close() error { return u.closer() }
