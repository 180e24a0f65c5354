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
	if c.values != nil {
		return c.values.SetValue(ctx, k, val, ttl)
	}
	b, err := c.encode(k, val)
	if err != nil {
		return err
	}
	return c.store.Set(ctx, k, b, ttl)
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
	if c.values != nil {
		xs := make([]any, len(vs))
		for i, v := range vs {
			xs[i] = v
		}
		return c.values.MultiSetValue(ctx, ks, xs, ttl)
	}
	bs := make([][]byte, len(vs))
	for i, v := range vs {
		if bs[i], err = c.encode(ks[i], v); err != nil {
			return err
		}
	}
	return c.store.MultiSet(ctx, ks, bs, ttl)
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
	var added bool
	if c.values != nil {
		added, err = c.values.AddValue(ctx, k, val, ttl)
	} else {
		var b []byte
		if b, err = c.encode(k, val); err != nil {
			return err
		}
		added, err = c.store.Add(ctx, k, b, ttl)
	}
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
	end(ctx, c.hooks, start, Event{Op: OpCompareAndSwap, Key: k, Err: err})
	return newVer, swapped, err
}

func (c *Cache[K, V]) compareAndSwap(ctx context.Context, k string, ver Version, val V, opts []WriteOption) (Version, bool, error) {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return nil, false, err
	}
	if c.values != nil {
		return c.values.CompareAndSwapValue(ctx, k, ver, val, ttl)
	}
	b, err := c.encode(k, val)
	if err != nil {
		return nil, false, err
	}
	return c.store.CompareAndSwap(ctx, k, ver, b, ttl)
}
