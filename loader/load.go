package loader

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
)

// load returns key's value (backend key k) from its flight, starting the
// flight if none runs. stale, if not nil, is the key's stale value: the
// caller gets it, with no error, if the load fails or is not done by
// LoadTimeout, and the load then goes on in the background.
func (l *Loader[K, V]) load(ctx context.Context, key K, k string, stale *V) (V, error) {
	c, lead := l.loads.join(ctx, k, false)
	if stale != nil {
		c.stale.Store(true)
		l.loads.detach(k, c, l.stop)
	}
	if lead {
		l.loads.run(k, c, func(ctx context.Context) (loaded[V], func()) { return l.fly(ctx, key, k, c) })
	}
	return l.await(ctx, l.loads, k, c, lead, stale)
}

// await waits for the call c of a load, as load describes.
func (l *Loader[K, V]) await(ctx context.Context, t *table[loaded[V]], k string, c *call[loaded[V]], lead bool, stale *V) (V, error) {
	var zero V
	wait := ctx
	if stale != nil && l.opts.LoadTimeout > 0 {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, l.opts.LoadTimeout)
		defer cancel()
	}
	if !t.wait(wait, k, c) {
		if stale != nil && ctx.Err() == nil {
			c.staleServed.Store(true)
			return *stale, nil
		}
		return zero, ctxErr(ctx)
	}
	switch {
	case c.panic == errGoexit:
		return zero, fmt.Errorf("loader: load %q: %w", k, errGoexit)
	case c.panic != nil && lead:
		panic(c.panic)
	case c.panic != nil:
		return zero, fmt.Errorf("loader: load %q: %w: %v", k, errPanicked, c.panic)
	case c.res.err != nil && stale != nil && !errors.Is(c.res.err, ErrNotFound):
		return *stale, nil
	}
	return c.res.v, c.res.err
}

// fly runs the flight c of key across processes, under the key's lock: it
// takes the lock, reads the store again (another process may have stored
// the value, or its absence, just before), runs fn and stores what it
// returned. It returns the release of the lock as the flight's after, so
// that the callers of this process do not wait for its round trip. A
// caller that waited for another process's load reads what it stored; if
// it finds nothing, it tries the lock again: it takes it if the holder
// failed or gave up (and loads, as aiocache's waiters do), or waits
// another lease if the holder is still loading and extending its lease.
//
// A store that fails on the way, with Options.FailOpen, makes the flight
// load from fn without the lock (see loadFn).
func (l *Loader[K, V]) fly(ctx context.Context, key K, k string, c *call[loaded[V]]) (loaded[V], func()) {
	red := lock.NewRed(l.c, key, l.opts.Lease)
	for {
		owned, err := red.Acquire(ctx)
		if err != nil {
			return l.storeFailed(ctx, key, k, c, err), nil
		}
		release := func() {
			if owned {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.Lease)
				defer cancel()
				_ = red.Release(rctx)
			}
		}
		// Reads the store itself, never a near cache that might not have
		// heard of another process's write yet; for the reload of a stale
		// value, with its TTL: a value still stale is reloaded.
		reread := cache.Probe{Beside: l.probe.Beside, Version: true}
		if c.stale.Load() {
			reread = cache.Probe{Beside: l.probe.Beside, TTL: true}
		}
		p, err := l.probeStore(ctx, k, reread)
		if p.Found && reread.TTL && l.state(key, &p) == stale {
			p.Found = false
		}
		switch {
		case err != nil:
			release()
			return l.storeFailed(ctx, key, k, c, err), nil
		case p.Found:
			return loaded[V]{v: p.Value}, release
		case isMark(p.Beside):
			return loaded[V]{err: notFound(k, ErrNotFound)}, release
		case owned:
			v, err := l.call(ctx, key, k, red, c)
			return l.store(ctx, key, k, v, err, c.stale.Load()), release
		}
	}
}

// storeFailed is the outcome of a flight whose store failed with err: with
// Options.FailOpen (and a failure of the store's, not of ctx), fn's; else
// err.
func (l *Loader[K, V]) storeFailed(ctx context.Context, key K, k string, c *call[loaded[V]], err error) loaded[V] {
	if !l.failOpen(ctx, err) {
		return loaded[V]{err: err}
	}
	return l.loadFn(ctx, key, k, c)
}

// failOpen reports whether err, returned to a caller with ctx, is a
// failure of the store that Options.FailOpen answers with fn's value: not
// a decode error, nor the end of the caller's own ctx. It trips the
// breaker.
func (l *Loader[K, V]) failOpen(ctx context.Context, err error) bool {
	if !l.opts.FailOpen || err == nil || errors.Is(err, cache.ErrDecode) || ctx.Err() != nil {
		return false
	}
	l.breaker.failed()
	return true
}

// loadLocal is Get's load when the store fails (Options.FailOpen): from fn,
// once per key in this process, without the store's lock; the value is
// written if the breaker lets the store be tried, and a failure to write
// is ignored.
func (l *Loader[K, V]) loadLocal(ctx context.Context, key K, k string) (V, error) {
	c, lead := l.local.join(ctx, k, false)
	if lead {
		l.local.run(k, c, func(ctx context.Context) (loaded[V], func()) { return l.loadFn(ctx, key, k, c), nil })
	}
	return l.await(ctx, l.local, k, c, lead, nil)
}

// loadFn runs fn for key without the lock and stores its value when the
// store may be tried, ignoring a failure to.
func (l *Loader[K, V]) loadFn(ctx context.Context, key K, k string, c *call[loaded[V]]) loaded[V] {
	v, err := l.call(ctx, key, k, nil, c)
	if err != nil || !l.breaker.allow(true) {
		if errors.Is(err, ErrNotFound) {
			err = notFound(k, err)
		}
		return loaded[V]{v, err}
	}
	if r := l.store(ctx, key, k, v, nil, false); r.err != nil {
		l.failOpen(ctx, r.err)
	} else {
		l.breaker.succeeded(true)
	}
	return loaded[V]{v: v}
}

// call runs fn for key. While it runs longer than the lease, it extends red
// (when there is one); fn's context ends at the end of the lease last
// extended. If fn panics, red is released before the panic goes on. With
// a flight c, it is reported as an OpLoad, with the context of the
// cache's StartHooks, and c tells whether a stale value was served
// instead of fn's; without, the caller reports it (a refresh).
func (l *Loader[K, V]) call(ctx context.Context, key K, k string, red *lock.Red[K, V], c *call[loaded[V]]) (v V, err error) {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if red != nil {
		expiry := time.AfterFunc(l.opts.Lease, cancel)
		defer expiry.Stop()
		defer l.keepAlive(fctx, red, expiry)()
		defer func() {
			if r := recover(); r != nil {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.Lease)
				defer cancel()
				_ = red.Release(rctx)
				panic(r)
			}
		}()
	}
	if c == nil {
		return l.fn(fctx, key)
	}
	fctx, start := l.c.Begin(fctx, cache.OpLoad, k)
	defer func() {
		e := cache.Event{Op: cache.OpLoad, Key: k, Err: err}
		// Stale callers were served instead of fn's value: they gave up
		// waiting, or fn failed and they will get their value.
		e.Stale = c.staleServed.Load() || (err != nil && !errors.Is(err, ErrNotFound) && c.stale.Load())
		l.c.End(fctx, start, e)
	}()
	return l.fn(fctx, key)
}

// keepAlive extends red every third of the lease until stop, resetting
// expiry (which ends fn's context) after each extension. stop waits for it.
func (l *Loader[K, V]) keepAlive(ctx context.Context, red *lock.Red[K, V], expiry *time.Timer) (stop func()) {
	lease := l.opts.Lease
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if held, err := red.Extend(ctx); err == nil && held {
				expiry.Reset(lease)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// store writes what fn returned for key: the value, with its TTL, or, when
// fn said ErrNotFound, the mark of its absence (MissTTL), after removing a
// stale value that there was. It writes on a context that outlives the
// callers (a loaded value is worth keeping), within the lease. It returns
// the outcome of the load: fn's value, or its error (wrapped for
// ErrNotFound), or the write's.
func (l *Loader[K, V]) store(ctx context.Context, key K, k string, v V, err error, hadStale bool) loaded[V] {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.Lease)
	defer cancel()
	wctx, wcancel := l.storeCtx(ctx)
	defer wcancel()
	switch {
	case err == nil:
		ttl, keep := l.ttlFor(key, v)
		if !keep {
			return loaded[V]{v: v}
		}
		if werr := l.c.Set(wctx, key, v, append(l.opts.Write[:len(l.opts.Write):len(l.opts.Write)], cache.TTL(ttl))...); werr != nil {
			return loaded[V]{err: fmt.Errorf("loader: store the loaded value of %q: %w", k, werr)}
		}
		return loaded[V]{v: v}
	case errors.Is(err, ErrNotFound):
		if hadStale {
			_, _ = l.c.Delete(wctx, key)
		}
		if l.opts.MissTTL > 0 {
			if werr := l.c.Entry(key, missSuffix).Set(wctx, missMark, l.opts.MissTTL); werr != nil {
				return loaded[V]{err: fmt.Errorf("loader: remember the absence of %q: %w (load: %w)", k, werr, err)}
			}
		}
		return loaded[V]{err: notFound(k, err)}
	}
	return loaded[V]{err: err}
}
