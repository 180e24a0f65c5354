package loader

import (
	"context"
	"errors"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
)

// refresh starts the background reload of key (backend key k), whose value
// a caller was just served and is due for one (Options.RefreshAfter),
// unless one runs in this process already.
func (l *Loader[K, V]) refresh(ctx context.Context, key K, k string) {
	if l.stop.Err() != nil {
		return // closed
	}
	if c, lead := l.refreshes.try(ctx, k, l.stop); lead {
		l.refreshes.run(k, c, func(ctx context.Context) (struct{}, func()) {
			l.reload(ctx, key, k)
			return struct{}{}, nil
		})
	}
}

// reload reloads key in the background, once across processes: it tries
// the key's lock without waiting (a process that finds it taken is
// reloading the key, or loading it), checks that the value is still due
// for a refresh (a refresh that started late, after another process's
// had written, finds it young again), reads the value's version, runs fn,
// and writes its value only if the key still holds that version. An
// error of fn keeps the old value; an ErrNotFound removes it (the key has
// no value any more). It is reported as an OpRefresh: Ok when it wrote,
// Err when it failed, neither when it was skipped.
func (l *Loader[K, V]) reload(ctx context.Context, key K, k string) {
	ctx, cancel := context.WithTimeout(ctx, l.opts.Lease)
	defer cancel()
	ctx, start := l.c.Begin(ctx, cache.OpRefresh, k)
	e := cache.Event{Op: cache.OpRefresh, Key: k}
	defer func() { l.c.End(ctx, start, e) }()
	red := lock.NewRed(l.c, key, l.opts.Lease)
	owned, err := red.TryAcquire(ctx)
	if err != nil || !owned {
		e.Err = err
		return
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.Lease)
		defer cancel()
		_ = red.Release(rctx)
	}()
	if due, err := l.due(ctx, key, k); err != nil || !due {
		e.Err = err
		return
	}
	p, err := l.probeStore(ctx, k, cache.Probe{Version: true})
	if err != nil || !p.Found {
		e.Err = err // the key is gone (or was never decodable): nothing to refresh
		return
	}
	v, err := l.call(ctx, key, k, red, nil)
	wctx, wcancel := l.storeCtx(context.WithoutCancel(ctx))
	defer wcancel()
	switch {
	case errors.Is(err, ErrNotFound):
		// The key has no value any more. (A write of it since the read
		// above is lost with it: there is no compare-and-delete of a
		// version.)
		_, e.Err = l.c.Delete(wctx, key)
		if e.Err == nil && l.opts.MissTTL > 0 {
			e.Err = l.c.Entry(key, missSuffix).Set(wctx, missMark, l.opts.MissTTL)
		}
		e.Ok = e.Err == nil
		return
	case err != nil:
		e.Err = err
		return
	}
	ttl, keep := l.ttlFor(key, v)
	if !keep {
		return
	}
	_, e.Ok, e.Err = l.c.CompareAndSwap(wctx, key, p.Version, v, append(l.opts.Write[:len(l.opts.Write):len(l.opts.Write)], cache.TTL(ttl))...)
}

// due reports whether key's value (backend key k), read from the store
// with its TTL, is still due for a refresh: ageing or stale.
func (l *Loader[K, V]) due(ctx context.Context, key K, k string) (bool, error) {
	p, err := l.probeStore(ctx, k, cache.Probe{TTL: true})
	if err != nil || !p.Found {
		return false, err
	}
	s := l.state(key, &p)
	return s == ageing || s == stale, nil
}
