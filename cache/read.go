package cache

import (
	"context"
)

// Get returns the value of key and whether it was found. A missing or
// expired key is (zero, false, nil); a stored zero value is a hit. Bytes
// the serializer cannot decode give an error matching ErrDecode that names
// the key.
func (c *Cache[K, V]) Get(ctx context.Context, key K) (V, bool, error) {
	k, start := c.Key(key), begin(c.hooks)
	v, found, err := c.get(ctx, k)
	end(ctx, c.hooks, start, readEvent(OpGet, k, found, err))
	return v, found, err
}

func (c *Cache[K, V]) get(ctx context.Context, k string) (v V, found bool, err error) {
	if c.values != nil {
		x, found, err := c.values.GetValue(ctx, k)
		if err != nil || !found {
			return v, false, err
		}
		v, err = c.fromValue(k, x)
		return v, err == nil, err
	}
	b, found, err := c.store.Get(ctx, k)
	if err != nil || !found {
		return v, false, err
	}
	v, err = c.decode(k, b)
	return v, err == nil, err
}

// MultiGet returns the values of the keys that were found; misses are
// absent from the map. An undecodable value fails the whole call with an
// error matching ErrDecode.
func (c *Cache[K, V]) MultiGet(ctx context.Context, keys ...K) (map[K]V, error) {
	ks := make([]string, len(keys))
	for i, key := range keys {
		ks[i] = c.Key(key)
	}
	start := begin(c.hooks)
	m, err := c.multiGet(ctx, keys, ks)
	e := Event{Op: OpMultiGet, Keys: ks, Err: err}
	if err == nil {
		e.Hits, e.Misses = len(m), len(keys)-len(m)
	}
	end(ctx, c.hooks, start, e)
	return m, err
}

func (c *Cache[K, V]) multiGet(ctx context.Context, keys []K, ks []string) (map[K]V, error) {
	m := make(map[K]V, len(keys))
	if len(keys) == 0 {
		return m, ctx.Err()
	}
	if c.values != nil {
		xs, found, err := c.values.MultiGetValue(ctx, ks)
		if err != nil {
			return nil, err
		}
		for i, x := range xs {
			if !found[i] {
				continue
			}
			v, err := c.fromValue(ks[i], x)
			if err != nil {
				return nil, err
			}
			m[keys[i]] = v
		}
		return m, nil
	}
	bs, err := c.store.MultiGet(ctx, ks)
	if err != nil {
		return nil, err
	}
	for i, b := range bs {
		if b == nil {
			continue
		}
		v, err := c.decode(ks[i], b)
		if err != nil {
			return nil, err
		}
		m[keys[i]] = v
	}
	return m, nil
}

// GetVersion returns the value of key, whether it was found, and the
// store's version of it for CompareAndSwap. lock.Optimistic is built on it.
func (c *Cache[K, V]) GetVersion(ctx context.Context, key K) (V, Version, bool, error) {
	k, start := c.Key(key), begin(c.hooks)
	v, ver, found, err := c.getVersion(ctx, k)
	end(ctx, c.hooks, start, readEvent(OpGetVersion, k, found, err))
	return v, ver, found, err
}

func (c *Cache[K, V]) getVersion(ctx context.Context, k string) (v V, ver Version, found bool, err error) {
	if c.values != nil {
		x, ver, found, err := c.values.GetValueVersion(ctx, k)
		if err != nil || !found {
			return v, nil, false, err
		}
		v, err = c.fromValue(k, x)
		if err != nil {
			return v, nil, false, err
		}
		return v, ver, true, nil
	}
	b, ver, found, err := c.store.GetVersion(ctx, k)
	if err != nil || !found {
		return v, nil, false, err
	}
	if v, err = c.decode(k, b); err != nil {
		return v, nil, false, err
	}
	return v, ver, true, nil
}
