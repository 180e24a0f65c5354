package cache

import (
	"context"
)

// Get returns the value of key and whether it was found. A missing or
// expired key is (zero, false, nil); a stored zero value is a hit. Bytes
// the serializer cannot decode give an error matching ErrDecode that names
// the key.
func (c *Cache[K, V]) Get(ctx context.Context, key K) (V, bool, error) {
	if err := c.checkCall(ctx); err != nil {
		var zero V
		return zero, false, err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpGet, k)
	var v V
	var found bool
	var err error
	// vals' get, in this frame: on a remote store a Get's goroutine waits
	// for the reply at the bottom of its calls, and each frame above is
	// memory that has gone cold meanwhile (two here, with the wrapper of
	// get's interface method); on memory, the call and the wrapper are a
	// sixth of a Get.
	switch w := c.word; {
	case c.ser != nil:
		data, ok, serr := c.b.store.Get(ctx, k)
		v, found, err = decoded(c.ser, k, data, ok, serr)
	case w != nil:
		bits, isWord, ok, werr := w.ws.GetWord(ctx, k, w.like)
		v, found, err = w.got(ctx, k, bits, isWord, ok, werr)
	default:
		x, ok, herr := c.heldVals.vs.GetValue(ctx, k)
		v, found, err = gotHeld[V](k, x, ok, herr)
	}
	c.obs.endRead(ctx, start, OpGet, k, found, err)
	return v, found, err
}

// MultiGet returns the values of the keys that were found; misses are
// absent from the map. An undecodable value fails the whole call with an
// error matching ErrDecode. Hooks count one hit or miss per distinct key:
// MultiGet(1, 1, 2) with only 1 present is one hit and one miss.
func (c *Cache[K, V]) MultiGet(ctx context.Context, keys ...K) (map[K]V, error) {
	if err := c.checkCall(ctx); err != nil {
		return nil, err
	}
	ks := make([]string, len(keys))
	for i, key := range keys {
		ks[i] = c.Key(key)
	}
	ctx, start := c.obs.begin(ctx, OpMultiGet, "")
	m, err := c.multiGet(ctx, keys, ks)
	if c.Observed() {
		e := Event{Op: OpMultiGet, Keys: ks, Err: err}
		if err == nil {
			e.Hits, e.Misses = len(m), distinctMisses(keys, m)
		}
		c.obs.report(ctx, start, e)
	}
	return m, err
}

// distinctMisses counts the distinct keys that are not in m, the hits.
func distinctMisses[K comparable, V any](keys []K, m map[K]V) int {
	if len(m) == len(keys) {
		return 0
	}
	missed := make(map[K]struct{}, len(keys)-len(m))
	for _, k := range keys {
		if _, hit := m[k]; !hit {
			missed[k] = struct{}{}
		}
	}
	return len(missed)
}

func (c *Cache[K, V]) multiGet(ctx context.Context, keys []K, ks []string) (map[K]V, error) {
	m := make(map[K]V, len(keys))
	if len(keys) == 0 {
		return m, c.b.emptyMultiGet(ctx)
	}
	if err := c.vals.multiGet(ctx, ks, func(i int, v V) { m[keys[i]] = v }); err != nil {
		return nil, err
	}
	return m, nil
}

// GetVersion returns the value of key, whether it was found, and the
// store's version of it for CompareAndSwap. lock.Optimistic is built on it.
func (c *Cache[K, V]) GetVersion(ctx context.Context, key K) (V, Version, bool, error) {
	if err := c.checkCall(ctx); err != nil {
		var zero V
		return zero, nil, false, err
	}
	k := c.Key(key)
	ctx, start := c.obs.begin(ctx, OpGetVersion, k)
	v, ver, found, err := c.vals.getVersion(ctx, k)
	c.obs.endRead(ctx, start, OpGetVersion, k, found, err)
	return v, ver, found, err
}
