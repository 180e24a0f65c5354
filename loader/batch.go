package loader

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// A want is one distinct key of a MultiGet that is loaded.
type want[V any] struct {
	i     int // its place in the MultiGet's distinct keys
	stale *V  // its stale value, if it has one
	c     *call[loaded[V]]
	lead  bool
}

// MultiGet returns the values of keys: the cached ones, read in one round
// trip (Cache.MultiProbe), and the missing ones loaded. With
// Options.Batch the keys that no flight of this process is loading
// already are loaded with one Batch call and stored with one
// Cache.MultiSet per TTL, and those already in a flight are awaited; keys
// Batch leaves out, and keys whose absence is remembered, are absent from
// the result (and remembered with MissTTL). Without Batch, every miss is
// loaded as Get loads it, concurrently. Stale values (StaleFor), values
// due for a refresh (RefreshAfter) and a failing store (FailOpen) are
// handled as Get handles them. An error of a load fails the call.
func (l *Loader[K, V]) MultiGet(ctx context.Context, keys ...K) (map[K]V, error) {
	if err := l.check(ctx); err != nil {
		return nil, err
	}
	distinct := make([]K, 0, len(keys))
	ks := make([]string, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, key := range keys {
		if k := l.c.Key(key); !seen[k] {
			seen[k] = true
			distinct, ks = append(distinct, key), append(ks, k)
		}
	}
	out := make(map[K]V, len(distinct))
	if len(distinct) == 0 {
		return out, ctxErr0(ctx)
	}
	if !l.breaker.allow(l.opts.FailOpen) {
		return out, l.loadLocals(ctx, distinct, ks, out)
	}
	ps, err := l.multiRead(ctx, ks)
	if err != nil {
		if l.failOpen(ctx, err) {
			return out, l.loadLocals(ctx, distinct, ks, out)
		}
		return nil, err
	}
	var wants []want[V]
	for i, p := range ps {
		key := distinct[i]
		switch l.state(key, &p) {
		case fresh:
			out[key] = p.Value
		case ageing:
			out[key] = p.Value
			l.refresh(ctx, key, ks[i])
		case stale:
			wants = append(wants, want[V]{i: i, stale: &ps[i].Value})
		case missing:
			wants = append(wants, want[V]{i: i})
		}
	}
	if len(wants) == 0 {
		return out, nil
	}
	if l.opts.Batch == nil {
		return out, l.loadEach(ctx, distinct, ks, wants, out)
	}
	return out, l.loadBatch(ctx, distinct, ks, wants, out)
}

// ctxErr0 is ctx's error, nil while it lives.
func ctxErr0(ctx context.Context) error {
	if ctx.Err() != nil {
		return ctxErr(ctx)
	}
	return nil
}

// multiRead reads the keys ks in one round trip, reported as the
// caller's MultiGet.
func (l *Loader[K, V]) multiRead(ctx context.Context, ks []string) ([]cache.Probed[V], error) {
	ctx, start := l.c.Begin(ctx, cache.OpMultiGet, "")
	sctx, cancel := l.storeCtx(ctx)
	ps, err := l.c.MultiProbe(sctx, l.probe, ks)
	cancel()
	if l.c.Observed() {
		e := cache.Event{Op: cache.OpMultiGet, Keys: ks, Err: err}
		for _, p := range ps {
			switch {
			case p.Found:
				e.Hits++
			case isMark(p.Beside):
				e.Misses++
				e.Remembered++
			default:
				e.Misses++
			}
		}
		l.c.End(ctx, start, e)
	}
	if err == nil {
		l.breaker.succeeded(l.opts.FailOpen)
	}
	return ps, err
}

// loadEach loads the wanted keys through Get's path, concurrently, into
// into.
func (l *Loader[K, V]) loadEach(ctx context.Context, keys []K, ks []string, wants []want[V], into map[K]V) error {
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for _, w := range wants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.load(ctx, keys[w.i], ks[w.i], w.stale)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				into[keys[w.i]] = v
			case !errors.Is(err, ErrNotFound) && firstErr == nil:
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// loadLocals loads keys from fn, skipping a failing store (FailOpen): with
// Batch in one call, else each as Get would.
func (l *Loader[K, V]) loadLocals(ctx context.Context, keys []K, ks []string, into map[K]V) error {
	wants := make([]want[V], len(keys))
	for i := range wants {
		wants[i].i = i
	}
	if l.opts.Batch != nil {
		return l.batchIn(ctx, l.local, keys, ks, wants, into, false)
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for i, key := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.loadLocal(ctx, key, ks[i])
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

// loadBatch loads the wanted keys with one Batch call, into into,
// awaiting the keys that flights of this process already load.
func (l *Loader[K, V]) loadBatch(ctx context.Context, keys []K, ks []string, wants []want[V], into map[K]V) error {
	return l.batchIn(ctx, l.loads, keys, ks, wants, into, true)
}

// batchIn joins a flight of t for each wanted key, loads those it leads
// with one Batch call (see flyBatch), and
// collects every outcome into into.
func (l *Loader[K, V]) batchIn(ctx context.Context, t *table[loaded[V]], keys []K, ks []string, wants []want[V], into map[K]V, useStore bool) error {
	var mine []want[V]
	for j := range wants {
		w := &wants[j]
		w.c, w.lead = t.join(ctx, ks[w.i], false)
		if w.stale != nil {
			w.c.stale.Store(true)
			t.detach(ks[w.i], w.c, l.stop)
		}
		if w.lead {
			mine = append(mine, *w)
		}
	}
	if len(mine) > 0 {
		l.flyBatch(t, keys, ks, mine, useStore)
	}
	var firstErr error
	for j, w := range wants {
		v, err := l.await(ctx, t, ks[w.i], w.c, w.lead, w.stale)
		switch {
		case err == nil:
			into[keys[w.i]] = v
		case errors.Is(err, ErrNotFound):
		case ctx.Err() != nil:
			for _, rest := range wants[j+1:] {
				t.leave(ks[rest.i], rest.c)
			}
			return ctxErr(ctx)
		case firstErr == nil:
			firstErr = err
		}
	}
	return firstErr
}

// flyBatch starts one Batch call for the flights mine, in the background.
// Its context keeps the values of the first flight's and ends when no
// caller waits for any of them (or at the lease); what it loaded is
// stored even if every caller has left. With useStore it stores the
// values, and the absences with MissTTL; without (FailOpen), it stores
// them only if the breaker lets the store be tried, ignoring a failure.
func (l *Loader[K, V]) flyBatch(t *table[loaded[V]], keys []K, ks []string, mine []want[V], useStore bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(mine[0].c.ctx), l.opts.Lease)
	var live atomic.Int64
	live.Store(int64(len(mine)))
	for _, w := range mine {
		context.AfterFunc(w.c.ctx, func() {
			if live.Add(-1) == 0 {
				cancel()
			}
		})
	}
	batch := make([]K, len(mine))
	bks := make([]string, len(mine))
	for i, w := range mine {
		batch[i], bks[i] = keys[w.i], ks[w.i]
	}
	counted := l.bg.add()
	go func() {
		if counted {
			defer l.bg.wg.Done()
		}
		defer cancel()
		var (
			got      map[K]V
			err      error
			returned bool
		)
		defer func() {
			var p any
			if !returned {
				if p = recover(); p == nil {
					p = errGoexit
				}
			}
			for i, w := range mine {
				r := loaded[V]{err: err}
				if v, ok := got[batch[i]]; ok && err == nil {
					r.v = v
				} else if err == nil {
					r.err = notFound(bks[i], ErrNotFound)
				}
				t.finish(bks[i], w.c, r, p)
			}
		}()
		bctx, start := l.c.Begin(ctx, cache.OpLoad, "")
		got, err = l.opts.Batch(bctx, batch)
		stale := false
		for _, w := range mine {
			stale = stale || w.c.staleServed.Load() || (err != nil && w.c.stale.Load())
		}
		l.c.End(bctx, start, cache.Event{Op: cache.OpLoad, Keys: bks, Err: err, Stale: stale})
		if err == nil && (useStore || l.breaker.allow(true)) {
			if serr := l.storeBatch(ctx, batch, got, mine); serr != nil && useStore && !l.failOpen(ctx, serr) {
				err = serr
			}
		}
		returned = true
	}()
}

// storeBatch writes the values of a batch with one MultiSet per TTL (one
// in all without TTLFunc), removes the stale values of keys Batch left
// out and marks them when MissTTL is set. It writes on a context that
// outlives the callers, within the lease.
func (l *Loader[K, V]) storeBatch(ctx context.Context, keys []K, got map[K]V, mine []want[V]) error {
	ctx, cancel := l.storeCtx(context.WithoutCancel(ctx))
	defer cancel()
	byTTL := map[time.Duration]map[K]V{}
	for i, key := range keys {
		v, ok := got[key]
		if !ok {
			if mine[i].stale != nil {
				if _, err := l.c.Delete(ctx, key); err != nil {
					return err
				}
			}
			if l.opts.MissTTL > 0 {
				if err := l.c.Entry(key, missSuffix).Set(ctx, missMark, l.opts.MissTTL); err != nil {
					return fmt.Errorf("loader: remember the absence of %q: %w", l.c.Key(key), err)
				}
			}
			continue
		}
		ttl, keep := l.ttlFor(key, v)
		if !keep {
			continue
		}
		if byTTL[ttl] == nil {
			byTTL[ttl] = map[K]V{}
		}
		byTTL[ttl][key] = v
	}
	for ttl, items := range byTTL {
		if err := l.c.MultiSet(ctx, items, append(l.opts.Write[:len(l.opts.Write):len(l.opts.Write)], cache.TTL(ttl))...); err != nil {
			return fmt.Errorf("loader: store a batch of %d loaded values: %w", len(items), err)
		}
	}
	return nil
}
