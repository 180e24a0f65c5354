package cache

import (
	"context"
	"fmt"
)

// Set writes val under key, replacing any earlier value and expiry. Its
// expiry is TTL(d) if given, else Options.TTL; 0 never expires.
func (c *Cache[K, V]) Set(ctx context.Context, key K, val V, opts ...WriteOption) error {
	k, start := c.Key(key), begin(c.hooks)
	err := c.set(ctx, k, val, opts)
	end(ctx, c.hooks, start, Event{Op: OpSet, Key: k, Err: err})
	return err
}

func (c *Cache[K, V]) set(ctx context.Context, k string, val V, opts []WriteOption) error {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return err
	}
	return c.vals.set(ctx, k, val, ttl)
}

// MultiSet writes every item with the same expiry rule as Set.
func (c *Cache[K, V]) MultiSet(ctx context.Context, items map[K]V, opts ...WriteOption) error {
	ks := make([]string, 0, len(items))
	vs := make([]V, 0, len(items))
	for key, v := range items {
		ks = append(ks, c.Key(key))
		vs = append(vs, v)
	}
	start := begin(c.hooks)
	err := c.multiSet(ctx, ks, vs, opts)
	end(ctx, c.hooks, start, Event{Op: OpMultiSet, Keys: ks, Err: err})
	return err
}

func (c *Cache[K, V]) multiSet(ctx context.Context, ks []string, vs []V, opts []WriteOption) error {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return err
	}
	if len(ks) == 0 {
		return ctx.Err()
	}
	return c.vals.multiSet(ctx, ks, vs, ttl)
}

// Add writes val under key only if the key is absent, atomically on every
// store. It returns an error matching ErrExists if the key is present.
func (c *Cache[K, V]) Add(ctx context.Context, key K, val V, opts ...WriteOption) error {
	k, start := c.Key(key), begin(c.hooks)
	err := c.add(ctx, k, val, opts)
	end(ctx, c.hooks, start, Event{Op: OpAdd, Key: k, Err: err})
	return err
}

func (c *Cache[K, V]) add(ctx context.Context, k string, val V, opts []WriteOption) error {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return err
	}
	added, err := c.vals.add(ctx, k, val, ttl)
	if err == nil && !added {
		err = fmt.Errorf("%w: %q", ErrExists, k)
	}
	return err
}

// CompareAndSwap writes val under key only if the key still holds the
// version ver read by GetVersion (or written by an earlier CompareAndSwap),
// atomically, and returns the version of what it wrote. With ver == nil it
// writes unconditionally. It reports swapped == false, and writes nothing,
// when the key changed or was deleted since. lock.Optimistic is built on it.
func (c *Cache[K, V]) CompareAndSwap(ctx context.Context, key K, ver Version, val V, opts ...WriteOption) (Version, bool, error) {
	k, start := c.Key(key), begin(c.hooks)
	newVer, swapped, err := c.compareAndSwap(ctx, k, ver, val, opts)
	end(ctx, c.hooks, start, Event{Op: OpCompareAndSwap, Key: k, Err: err, Ok: swapped})
	return newVer, swapped, err
}

func (c *Cache[K, V]) compareAndSwap(ctx context.Context, k string, ver Version, val V, opts []WriteOption) (Version, bool, error) {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return nil, false, err
	}
	return c.vals.compareAndSwap(ctx, k, ver, val, ttl)
}
