package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// Set writes val under key, replacing any earlier value and expiry. Its
// expiry is TTL(d) if given, else Options.TTL; 0 never expires.
func (c *Cache[K, V]) Set(ctx context.Context, key K, val V, opts ...WriteOption) error {
	if err := c.checkCall(ctx); err != nil {
		return err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpSet, k)
	err := c.set(ctx, k, val, opts)
	c.wrote(k)
	c.obs.end(ctx, start, OpSet, k, false, err)
	return err
}

func (c *Cache[K, V]) set(ctx context.Context, k string, val V, opts []WriteOption) error {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return err
	}
	return c.vals.set(ctx, k, val, c.jittered(ttl))
}

// MultiSet writes every item with the same expiry rule as Set.
func (c *Cache[K, V]) MultiSet(ctx context.Context, items map[K]V, opts ...WriteOption) error {
	if err := c.checkCall(ctx); err != nil {
		return err
	}
	ks := make([]string, 0, len(items))
	vs := make([]V, 0, len(items))
	for key, v := range items {
		ks = append(ks, c.Key(key))
		vs = append(vs, v)
	}
	ctx, start := c.obs.begin(ctx, OpMultiSet, "")
	err := c.multiSet(ctx, ks, vs, opts)
	for _, k := range ks {
		c.wrote(k)
	}
	if c.Observed() {
		c.obs.report(ctx, start, Event{Op: OpMultiSet, Keys: ks, Err: err})
	}
	return err
}

func (c *Cache[K, V]) multiSet(ctx context.Context, ks []string, vs []V, opts []WriteOption) error {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return err
	}
	switch {
	case len(ks) == 0:
		return c.b.emptyMultiSet(ctx)
	case c.jitter == 0 || ttl == 0 || len(ks) == 1:
		return c.vals.multiSet(ctx, ks, vs, c.jittered(ttl))
	}
	// Spread the items over jitterSteps TTLs, evenly over the range, in
	// an order of their own (the map's order of items is no spread).
	steps := min(jitterSteps, len(ks))
	perm := rand.Perm(len(ks))
	for s := range steps {
		f := c.jitter * (2*(float64(s)+rand.Float64())/float64(steps) - 1)
		var sk []string
		var sv []V
		for i := s; i < len(ks); i += steps {
			sk, sv = append(sk, ks[perm[i]]), append(sv, vs[perm[i]])
		}
		if err := c.vals.multiSet(ctx, sk, sv, spread(ttl, f)); err != nil {
			return err
		}
	}
	return nil
}

// Add writes val under key only if the key is absent, atomically on every
// store. It returns an error matching ErrExists if the key is present.
func (c *Cache[K, V]) Add(ctx context.Context, key K, val V, opts ...WriteOption) error {
	if err := c.checkCall(ctx); err != nil {
		return err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpAdd, k)
	err := c.add(ctx, k, val, opts)
	c.wrote(k)
	c.obs.end(ctx, start, OpAdd, k, false, err)
	return err
}

func (c *Cache[K, V]) add(ctx context.Context, k string, val V, opts []WriteOption) error {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return err
	}
	added, err := c.vals.add(ctx, k, val, c.jittered(ttl))
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
	if err := c.checkCall(ctx); err != nil {
		return nil, false, err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpCompareAndSwap, k)
	newVer, swapped, err := c.compareAndSwap(ctx, k, ver, val, opts)
	c.wrote(k)
	c.obs.end(ctx, start, OpCompareAndSwap, k, swapped, err)
	return newVer, swapped, err
}

func (c *Cache[K, V]) compareAndSwap(ctx context.Context, k string, ver Version, val V, opts []WriteOption) (Version, bool, error) {
	ttl, err := c.ttlOf(opts)
	if err != nil {
		return nil, false, err
	}
	return c.vals.compareAndSwap(ctx, k, ver, val, c.jittered(ttl))
}
