package memcache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
)

// multiLabel names the keys of a multi-key operation in errors.
func multiLabel(keys []string) string {
	switch len(keys) {
	case 0:
		return ""
	case 1:
		return keys[0]
	}
	return fmt.Sprintf("%s (and %d more)", keys[0], len(keys)-1)
}

// nsKeys are the keys of one namespace in a MultiGet.
type nsKeys struct {
	sp    *space
	seen  *seenGen // generation last seen; nil if none
	fresh bool     // seen within Options.GenerationTTL: trusted without reading it
	index []int    // positions of the namespace's keys in the input
	rest  []string
}

// MultiGet returns the values of keys in their order, nil for a miss, with
// one GetMulti (one round trip per server) in the common case. The
// generations of the namespaces involved are fetched in that same call,
// with each namespaced key at the generation last seen; keys of a
// namespace whose generation changed are fetched again in a second call.
func (s *Store) MultiGet(ctx context.Context, keys []string) ([][]byte, error) {
	items, _, err := s.multiItems(ctx, "multi get", keys)
	return itemValues(items), err
}

// MultiGetTTL returns the values of keys in their order, nil for a miss,
// and the time each has left, as GetTTL tells it (from the deadline its
// flags record), with the one GetMulti of MultiGet: what package loader
// reads a value, its age and the mark of its absence with.
func (s *Store) MultiGetTTL(ctx context.Context, keys []string) ([][]byte, []time.Duration, error) {
	items, _, err := s.multiItems(ctx, "multi get ttl", keys)
	if err != nil {
		return nil, nil, err
	}
	ttls := make([]time.Duration, len(items))
	for i, it := range items {
		if it != nil {
			ttls[i] = ttlOf(it)
		}
	}
	return itemValues(items), ttls, nil
}

// MultiGetVersion returns the values of keys in their order, nil for a
// miss, and the version of each found (its CAS id, as GetVersion returns
// it), with the one GetMulti of MultiGet (memcached's gets): what package
// loader rereads a key and the mark of its absence with, under the key's
// lock.
func (s *Store) MultiGetVersion(ctx context.Context, keys []string) ([][]byte, []cache.Version, error) {
	items, mkeys, err := s.multiItems(ctx, "multi get version", keys)
	if err != nil {
		return nil, nil, err
	}
	vers := make([]cache.Version, len(items))
	for i, it := range items {
		if it != nil {
			vers[i] = &version{key: mkeys[i], cas: it.CasID}
		}
	}
	return itemValues(items), vers, nil
}

// multiItems reads keys as operation op, through call: the item of each
// (nil for a miss) and the memcached key it was read under.
func (s *Store) multiItems(ctx context.Context, op string, keys []string) ([]*gm.Item, []string, error) {
	got, err := call(ctx, s, op, req{key: multiLabel(keys), keys: keys}, readItems)
	return got.items, got.mkeys, err
}

// itemsRead is what readItems returns.
type itemsRead struct {
	items []*gm.Item
	mkeys []string
}

// readItems is multiItems' read, run by call.
func readItems(s *Store, ctx context.Context, r req) (itemsRead, error) {
	items, mkeys, err := s.multiGet(ctx, r.op, r.key, r.keys)
	return itemsRead{items, mkeys}, err
}

// itemValues returns the values of items, nil for a miss.
func itemValues(items []*gm.Item) [][]byte {
	if items == nil {
		return nil
	}
	out := make([][]byte, len(items))
	for i, it := range items {
		if it != nil {
			out[i] = it.Value
		}
	}
	return out
}

// multiGet reads keys, run by call: the item of each (nil for a miss) and
// the memcached key it was read under.
func (s *Store) multiGet(ctx context.Context, op, label string, keys []string) ([]*gm.Item, []string, error) {
	out := make([]*gm.Item, len(keys))
	if len(keys) == 0 {
		return out, nil, nil
	}
	mkeys := make([]string, len(keys)) // "" for a namespaced key not fetched yet
	request := make([]string, 0, len(keys)+1)
	var spaces map[string]*nsKeys
	for i, key := range keys {
		ns, rest, ok := s.split(key)
		if !ok {
			mkeys[i] = plainKey(key)
			request = append(request, mkeys[i])
			continue
		}
		nk := spaces[ns]
		if nk == nil {
			if spaces == nil {
				spaces = make(map[string]*nsKeys)
			}
			nk = &nsKeys{sp: s.spaces.get(ns)}
			nk.seen, nk.fresh = s.cachedGen(nk.sp)
			spaces[ns] = nk
			if !nk.fresh {
				request = append(request, nk.sp.genKey)
			}
		}
		nk.index = append(nk.index, i)
		nk.rest = append(nk.rest, rest)
		if nk.seen != nil {
			mkeys[i] = namespacedKey(ns, nk.seen.gen, rest)
			request = append(request, mkeys[i])
		}
	}
	items, err := s.getMulti(ctx, request)
	if err = after(ctx, err); err != nil {
		return nil, nil, opError(op, label, err)
	}
	var again []string
	for ns, nk := range spaces {
		if nk.fresh {
			continue // its keys were fetched at the generation trusted
		}
		gi := items[nk.sp.genKey]
		if gi == nil {
			nk.sp.seen.Store(nil)
			for _, i := range nk.index {
				mkeys[i] = "" // no generation: none of its keys exist
			}
			continue
		}
		gen, err := genOf(gi.Value, nk.seen)
		if err != nil {
			return nil, nil, opError(op, label, fmt.Errorf("namespace %s: %w", quoteKey(ns), err))
		}
		s.rememberGen(nk.sp, gen)
		if nk.seen != nil && gen == nk.seen.gen {
			continue
		}
		for j, i := range nk.index {
			mkeys[i] = namespacedKey(ns, gen, nk.rest[j])
			again = append(again, mkeys[i])
		}
	}
	if len(again) > 0 {
		more, err := s.getMulti(ctx, again)
		if err = after(ctx, err); err != nil {
			return nil, nil, opError(op, label, err)
		}
		for _, k := range again {
			items[k] = more[k] // nil for a miss
		}
	}
	for i, mkey := range mkeys {
		if mkey != "" {
			out[i] = items[mkey]
		}
	}
	return out, mkeys, nil
}

// MultiSet writes vals[i] under keys[i], all with ttl. memcached has no
// multi-key write: the sets go out concurrently, at most
// Options.MultiSetConcurrency at a time, after the generations of the
// namespaces involved have been read (one round trip each). The first
// failure stops the writes not yet sent and is returned; writes already
// done stay done.
func (s *Store) MultiSet(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error {
	_, err := call(ctx, s, "multi set", req{key: multiLabel(keys), keys: keys, vals: vals, ttl: ttl}, func(s *Store, ctx context.Context, r req) (struct{}, error) {
		return struct{}{}, s.multiSet(ctx, "multi set", r.key, r.keys, r.vals, r.ttl)
	})
	return err
}

// multiSet is MultiSet, run by call.
func (s *Store) multiSet(ctx context.Context, op, label string, keys []string, vals [][]byte, ttl time.Duration) error {
	mkeys := make([]string, len(keys))
	gens := make(map[string]string)
	for i, key := range keys {
		ns, rest, ok := s.split(key)
		if !ok {
			mkeys[i] = plainKey(key)
			continue
		}
		gen, ok := gens[ns]
		if !ok {
			var err error
			if gen, _, err = s.currentGen(ctx, op, key, ns, s.spaces.get(ns), true); err != nil {
				return err
			}
			gens[ns] = gen
		}
		mkeys[i] = namespacedKey(ns, gen, rest)
	}
	for i, mkey := range mkeys {
		if err := s.fits(op, keys[i], mkey, vals[i]); err != nil {
			return err
		}
	}
	exp, flags := expiry(time.Now(), ttl)
	set := func(i int) error {
		if err := ctx.Err(); err != nil {
			return opError(op, keys[i], err)
		}
		err := after(ctx, s.setItem(ctx, &gm.Item{Key: mkeys[i], Value: vals[i], Flags: flags, Expiration: exp}))
		if err != nil {
			return opError(op, keys[i], err)
		}
		return nil
	}
	workers := min(s.multiSetConcurrency, len(keys))
	if workers <= 1 {
		for i := range keys {
			if err := set(i); err != nil {
				return err
			}
		}
		return nil
	}
	return runBounded(len(keys), workers, set)
}

// runBounded calls fn(0) to fn(n-1) from workers goroutines, which it waits
// for. The first error stops the calls not yet started and is returned.
func runBounded(n, workers int, fn func(i int) error) error {
	var (
		next     atomic.Int64
		failed   atomic.Bool
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err })
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}
