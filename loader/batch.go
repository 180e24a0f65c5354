package loader

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/cachekit/cachekit/cache"
)

// MultiGet returns the values of keys: the cached ones, read with one
// Cache.MultiGet, and the missing ones loaded. With Options.Batch the keys
// that no flight of this process is loading already are loaded with one
// Batch call and stored with one Cache.MultiSet, and those already in a
// flight are awaited; keys Batch leaves out, and keys whose absence is
// remembered, are absent from the result (and remembered with MissTTL).
// Without Batch, every miss is loaded as Get loads it, concurrently. An
// error of a load fails the call.
func (l *Loader[K, V]) MultiGet(ctx context.Context, keys ...K) (map[K]V, error) {
	hits, err := l.c.MultiGet(ctx, keys...)
	if errors.Is(err, cache.ErrDecode) {
		hits, err = l.readEach(ctx, keys)
	}
	if err != nil {
		return nil, err
	}
	var misses []K
	seen := make(map[K]bool, len(keys))
	for _, key := range keys {
		if _, hit := hits[key]; !hit && !seen[key] {
			seen[key] = true
			misses = append(misses, key)
		}
	}
	if len(misses) == 0 {
		return hits, nil
	}
	if l.opts.Batch == nil {
		return hits, l.loadEach(ctx, misses, hits)
	}
	return hits, l.loadBatch(ctx, misses, hits)
}

// readEach reads keys one by one, counting an undecodable value as a miss:
// what MultiGet does when one of them failed to decode.
func (l *Loader[K, V]) readEach(ctx context.Context, keys []K) (map[K]V, error) {
	hits := make(map[K]V, len(keys))
	for _, key := range keys {
		v, found, err := l.quiet.Get(ctx, key)
		if err != nil && !errors.Is(err, cache.ErrDecode) {
			return nil, err
		}
		if found {
			hits[key] = v
		}
	}
	return hits, nil
}

// loadEach loads keys through Get's path, concurrently, into into.
func (l *Loader[K, V]) loadEach(ctx context.Context, keys []K, into map[K]V) error {
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for _, key := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.load(ctx, key)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				into[key] = v
			case !errors.Is(err, ErrNotFound) && firstErr == nil:
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// loadBatch loads keys with one Batch call, into into, awaiting the keys
// that flights of this process already load.
func (l *Loader[K, V]) loadBatch(ctx context.Context, keys []K, into map[K]V) error {
	if l.opts.MissTTL > 0 {
		var err error
		if keys, err = l.unmarked(ctx, keys); err != nil || len(keys) == 0 {
			return err
		}
	}
	type joined struct {
		key  K
		k    string
		f    *flight[V]
		lead bool
	}
	all := make([]joined, len(keys))
	var mine []joined
	for i, key := range keys {
		k := l.c.Key(key)
		f, lead := l.flights.join(ctx, k)
		all[i] = joined{key, k, f, lead}
		if lead {
			mine = append(mine, all[i])
		}
	}
	if len(mine) > 0 {
		batch := make([]K, len(mine))
		flights := make([]*flight[V], len(mine))
		ks := make([]string, len(mine))
		for i, j := range mine {
			batch[i], flights[i], ks[i] = j.key, j.f, j.k
		}
		go l.flyBatch(batch, ks, flights)
	}
	var firstErr error
	for _, j := range all {
		if !l.flights.wait(ctx, j.k, j.f) {
			for _, rest := range all {
				select {
				case <-rest.f.done:
				default:
					if rest.f != j.f {
						l.flights.leave(rest.k, rest.f)
					}
				}
			}
			return ctx.Err()
		}
		switch {
		case j.f.panic != nil:
			if firstErr == nil {
				firstErr = fmt.Errorf("%w: %v", errPanicked, j.f.panic)
			}
		case j.f.err == nil:
			into[j.key] = j.f.val
		case !errors.Is(j.f.err, ErrNotFound) && firstErr == nil:
			firstErr = j.f.err
		}
	}
	return firstErr
}

// flyBatch runs one Batch call for keys (backend keys ks), the flights of
// this process that the calling MultiGet started, stores its values with
// one MultiSet and the absences with MissTTL, and finishes the flights.
// Its context is that of the first flight, which ends when no caller waits
// for it or at the lease.
func (l *Loader[K, V]) flyBatch(keys []K, ks []string, flights []*flight[V]) {
	ctx, cancel := context.WithTimeout(flights[0].ctx, l.opts.Lease)
	defer cancel()
	var (
		got      map[K]V
		err      error
		panicked any
	)
	func() {
		defer func() { panicked = recover() }()
		bctx, start := l.c.Begin(ctx, cache.OpLoad, "")
		got, err = l.opts.Batch(bctx, keys)
		l.c.End(bctx, start, cache.Event{Op: cache.OpLoad, Keys: ks, Err: err})
	}()
	if err == nil && panicked == nil {
		err = l.storeBatch(ctx, keys, got)
	}
	for i, f := range flights {
		v, found := got[keys[i]]
		ferr := err
		if ferr == nil && !found {
			ferr = notFound(ks[i], ErrNotFound)
		}
		l.flights.finish(ks[i], f, v, ferr, panicked)
	}
}

// storeBatch writes the values of a batch with one MultiSet and marks the
// keys it left out when MissTTL is set.
func (l *Loader[K, V]) storeBatch(ctx context.Context, keys []K, got map[K]V) error {
	found := make(map[K]V, len(got))
	var missing map[string][]byte
	for _, key := range keys {
		if v, ok := got[key]; ok {
			found[key] = v
		} else if l.opts.MissTTL > 0 {
			if missing == nil {
				missing = make(map[string][]byte)
			}
			missing[l.markKey(key)] = missMark
		}
	}
	if len(found) > 0 {
		if err := l.quiet.MultiSet(ctx, found, l.opts.Write...); err != nil {
			return fmt.Errorf("loader: store a batch of %d loaded values: %w", len(found), err)
		}
	}
	if len(missing) > 0 {
		if err := l.marks.MultiSet(ctx, missing, cache.TTL(l.opts.MissTTL)); err != nil {
			return fmt.Errorf("loader: remember the absence of %d keys: %w", len(missing), err)
		}
	}
	return nil
}

// unmarked returns the keys whose absence is not remembered.
func (l *Loader[K, V]) unmarked(ctx context.Context, keys []K) ([]K, error) {
	mks := make([]string, len(keys))
	for i, key := range keys {
		mks[i] = l.markKey(key)
	}
	marked, err := l.marks.MultiGet(ctx, mks...)
	if err != nil || len(marked) == 0 {
		return keys, err
	}
	var out []K
	for i, key := range keys {
		if _, m := marked[mks[i]]; !m {
			out = append(out, key)
		}
	}
	return out, nil
}
