package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/internal/ctxerr"
)

// backend is the store of a Cache with its optional interfaces found once,
// in New, and the fallbacks of those it lacks.
type backend struct {
	store  Store
	mget   MultiGetter        // nil: Get per key
	mset   MultiSetter        // nil: Set per key
	exist  Exister            // nil: Get
	incr   Incrementer        // nil: errors.ErrUnsupported
	expire Expirer            // nil: GetVersion and CompareAndSwap
	extend Extender           // nil: GetVersion and CompareAndSwap
	fence  Fencer             // nil: Add, then a counter beside
	ttl    TTLGetter          // nil: Get, and no ttl
	mttl   MultiTTLGetter     // nil: GetTTL per key
	mver   MultiVersionGetter // nil: GetVersion and Get beside, at once
	watch  Watcher            // PollWatcher when the store has none
}

func newBackend(s Store) backend {
	b := backend{store: s}
	b.mget, _ = s.(MultiGetter)
	b.mset, _ = s.(MultiSetter)
	b.exist, _ = s.(Exister)
	b.incr, _ = s.(Incrementer)
	b.expire, _ = s.(Expirer)
	b.extend, _ = s.(Extender)
	b.fence, _ = s.(Fencer)
	b.ttl, _ = s.(TTLGetter)
	b.mttl, _ = s.(MultiTTLGetter)
	b.mver, _ = s.(MultiVersionGetter)
	if w, ok := s.(Watcher); ok {
		b.watch = w
	} else {
		b.watch = PollWatcher(0)
	}
	return b
}

func (b *backend) multiGet(ctx context.Context, keys []string) ([][]byte, error) {
	if b.mget != nil {
		return b.mget.MultiGet(ctx, keys)
	}
	vals := make([][]byte, len(keys))
	for i, k := range keys {
		v, found, err := b.store.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		if found && v == nil {
			v = []byte{}
		}
		vals[i] = v
	}
	return vals, nil
}

func (b *backend) multiSet(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error {
	if b.mset != nil {
		return b.mset.MultiSet(ctx, keys, vals, ttl)
	}
	for i, k := range keys {
		if err := b.store.Set(ctx, k, vals[i], ttl); err != nil {
			return err
		}
	}
	return nil
}

// emptyMultiGet is a MultiGet of no keys: the store's own, if it has one,
// so that a closed store says so; else nothing but ctx's error.
func (b *backend) emptyMultiGet(ctx context.Context) error {
	if b.mget != nil {
		_, err := b.mget.MultiGet(ctx, nil)
		return err
	}
	return ctxerr.Err(ctx)
}

// emptyMultiSet is a MultiSet of no items, as emptyMultiGet.
func (b *backend) emptyMultiSet(ctx context.Context) error {
	if b.mset != nil {
		return b.mset.MultiSet(ctx, nil, nil, 0)
	}
	return ctxerr.Err(ctx)
}

func (b *backend) exists(ctx context.Context, key string) (bool, error) {
	if b.exist != nil {
		return b.exist.Exists(ctx, key)
	}
	_, found, err := b.store.Get(ctx, key)
	return found, err
}

func (b *backend) increment(ctx context.Context, key string, delta int64) (int64, error) {
	if b.incr != nil {
		return b.incr.Increment(ctx, key, delta)
	}
	return 0, fmt.Errorf("cache: increment %q: %w: the store has no Increment (cache.Incrementer)", key, errors.ErrUnsupported)
}

func (b *backend) getTTL(ctx context.Context, key string) ([]byte, time.Duration, bool, error) {
	if b.ttl != nil {
		return b.ttl.GetTTL(ctx, key)
	}
	val, found, err := b.store.Get(ctx, key)
	return val, 0, found, err
}

// maxExpireAttempts bounds the rewrites of Expire's fallback that lose a
// race with another write.
const maxExpireAttempts = 100

func (b *backend) expireKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if b.expire != nil {
		return b.expire.Expire(ctx, key, ttl)
	}
	for range maxExpireAttempts {
		val, ver, found, err := b.store.GetVersion(ctx, key)
		if err != nil || !found {
			return false, err
		}
		if _, swapped, err := b.store.CompareAndSwap(ctx, key, ver, val, ttl); err != nil || swapped {
			return swapped, err
		}
	}
	return false, fmt.Errorf("cache: expire %q: the key kept changing under %d attempts", key, maxExpireAttempts)
}
