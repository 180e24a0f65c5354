package loader

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/serializer"
)

// missSuffix names the mark of a key whose absence is remembered.
const missSuffix = "-miss"

// missMark is the value of a miss mark.
var missMark = []byte("1")

// Loader is a read-through view of a cache: Get returns the cached value of
// a key or loads it with fn, once for every caller that wants it at the
// same time, in this process and across processes. It is safe for
// concurrent use. See the package documentation.
type Loader[K comparable, V any] struct {
	c     *cache.Cache[K, V]           // the caller's: its Get is the caller's read, its hooks get the loads
	quiet *cache.Cache[K, V]           // c without hooks: the loader's own reads and writes
	marks *cache.Cache[string, []byte] // the miss marks, in c's namespace, without hooks
	fn    func(ctx context.Context, key K) (V, error)
	opts  Options[K, V]

	flights group[V]
	reads   *reads[K, V] // nil where reads are not shared (see reads)
}

// New returns a Loader of c that loads missing values with fn. It fails for
// a nil cache, a nil fn, or a negative Lease or MissTTL.
func New[K comparable, V any](c *cache.Cache[K, V], fn func(ctx context.Context, key K) (V, error), opts Options[K, V]) (*Loader[K, V], error) {
	switch {
	case c == nil:
		return nil, errors.New("loader: nil cache")
	case fn == nil:
		return nil, errors.New("loader: nil fn")
	case opts.Lease < 0:
		return nil, fmt.Errorf("loader: negative Lease %v", opts.Lease)
	case opts.MissTTL < 0:
		return nil, fmt.Errorf("loader: negative MissTTL %v", opts.MissTTL)
	}
	if opts.Lease == 0 {
		opts.Lease = DefaultLease
	}
	marks, err := cache.New(c.Store(), cache.Options[string, []byte]{Namespace: c.Namespace(), Serializer: serializer.Bytes()})
	if err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	quiet, err := c.WithHooks()
	if err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	l := &Loader[K, V]{c: c, quiet: quiet, marks: marks, fn: fn, opts: opts}
	if _, local := c.Store().(cache.ValueStore); !local {
		l.reads = newReads[K, V]()
	}
	return l, nil
}

// Must returns l, and panics if err is not nil: loader.Must(loader.New(...)).
func Must[K comparable, V any](l *Loader[K, V], err error) *Loader[K, V] {
	if err != nil {
		panic(err)
	}
	return l
}

// Get returns the value of key: the cached one, or fn's, loaded once for
// every caller that wants key meanwhile and stored with Options.Write. An
// error of fn (shared by the callers of one flight, never stored), an
// error matching ErrNotFound for a key with no value, and an error
// matching ctx.Err() when ctx ends first (the load goes on for the others)
// are returned with the zero value.
func (l *Loader[K, V]) Get(ctx context.Context, key K) (V, error) {
	var (
		v     V
		found bool
		err   error
	)
	if l.reads != nil {
		v, found, err = l.sharedRead(ctx, key)
	} else {
		v, found, err = l.c.Get(ctx, key)
	}
	if found {
		return v, nil
	}
	if err != nil && !errors.Is(err, cache.ErrDecode) {
		var zero V
		return zero, err
	}
	return l.load(ctx, key)
}

// sharedRead is the caller's Cache.Get of key on a remote store: callers
// that arrive while another's read of key is under way share it (see
// reads), and each is reported to the cache's hooks as the Get it stands
// for.
func (l *Loader[K, V]) sharedRead(ctx context.Context, key K) (V, bool, error) {
	start := time.Now()
	v, found, err, shared := l.reads.get(ctx, key, func() (V, bool, error) { return l.c.Get(ctx, key) })
	if shared {
		l.c.End(ctx, start, cache.ReadEvent(cache.OpGet, l.c.Key(key), found, err))
	}
	return v, found, err
}

// load returns key's value from its flight, starting the flight if none
// runs.
func (l *Loader[K, V]) load(ctx context.Context, key K) (V, error) {
	var zero V
	k := l.c.Key(key)
	f, lead := l.flights.join(ctx, k)
	if lead {
		go l.fly(k, key, f)
	}
	if !l.flights.wait(ctx, k, f) {
		return zero, ctx.Err()
	}
	if f.panic != nil {
		if lead {
			panic(f.panic)
		}
		return zero, fmt.Errorf("%w: %v", errPanicked, f.panic)
	}
	return f.val, f.err
}

// fly runs the flight f of key (backend key k) and records its result:
// first, then it releases the lock, so that the callers of this process do
// not wait for the release's round trip; after a panic the lock is
// released first, before the panic is re-raised.
func (l *Loader[K, V]) fly(k string, key K, f *flight[V]) {
	var (
		v       V
		err     error
		release = func() {}
	)
	defer func() {
		if r := recover(); r != nil {
			release()
			l.flights.finish(k, f, v, err, r)
			return
		}
		l.flights.finish(k, f, v, err, nil)
		release()
	}()
	v, err = l.loadOnce(f.ctx, key, &release)
}

// loadOnce loads key across processes, under the key's lock. A caller
// that waited for another process's load reads what it stored; if it finds
// nothing, it tries the lock again: it takes it if the holder failed or
// gave up (and loads, as aiocache's waiters do), or waits another lease if
// the holder is still loading and extending its lease.
//
// If it took the lock it sets *release to what releases it; the caller
// calls that once it has handed the result on.
func (l *Loader[K, V]) loadOnce(ctx context.Context, key K, release *func()) (V, error) {
	var zero V
	if missing, err := l.marked(ctx, key); err != nil || missing {
		return zero, err
	}
	red := lock.NewRed(l.c, key, l.opts.Lease)
	for {
		owned, err := red.Acquire(ctx)
		if err != nil {
			return zero, err
		}
		// Another process may have stored the value (or its absence)
		// meanwhile: while this one waited, or just before it took the
		// lock. GetVersion reads the store itself, never a near cache
		// (rueidis.Options.ClientSideCache) that might not have heard of
		// that write yet.
		v, _, found, err := l.quiet.GetVersion(ctx, key)
		if found || (err != nil && !errors.Is(err, cache.ErrDecode)) {
			if owned {
				_ = red.Release(context.WithoutCancel(ctx))
			}
			return v, err
		}
		if missing, err := l.marked(ctx, key); err != nil || missing {
			if owned {
				_ = red.Release(context.WithoutCancel(ctx))
			}
			return zero, err
		}
		if owned {
			*release = func() { _ = red.Release(context.WithoutCancel(ctx)) }
			v, err := l.call(ctx, key, red)
			return v, l.store(ctx, key, v, err)
		}
	}
}

// call runs fn for key, reporting it as an OpLoad. While it runs longer than
// the lease, it extends red; fn's context ends at the end of the lease last
// extended.
func (l *Loader[K, V]) call(ctx context.Context, key K, red *lock.Red[K, V]) (v V, err error) {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lease := l.opts.Lease
	expiry := time.AfterFunc(lease, cancel)
	defer expiry.Stop()
	stop := l.keepAlive(fctx, red, expiry)
	defer stop()
	fctx, start := l.c.Begin(fctx, cache.OpLoad, l.c.Key(key))
	defer func() {
		l.c.End(fctx, start, cache.Event{Op: cache.OpLoad, Key: l.c.Key(key), Err: err})
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

// store writes what fn returned for key: the value, or the mark of its
// absence when fn said ErrNotFound and MissTTL is set. It returns fn's
// error as the caller's, wrapped for ErrNotFound.
func (l *Loader[K, V]) store(ctx context.Context, key K, v V, err error) error {
	switch {
	case err == nil:
		if werr := l.quiet.Set(ctx, key, v, l.opts.Write...); werr != nil {
			return fmt.Errorf("loader: store the loaded value of %q: %w", l.c.Key(key), werr)
		}
		return nil
	case errors.Is(err, ErrNotFound):
		if l.opts.MissTTL > 0 {
			if werr := l.marks.Set(ctx, l.markKey(key), missMark, cache.TTL(l.opts.MissTTL)); werr != nil {
				return fmt.Errorf("loader: remember the absence of %q: %w (load: %w)", l.c.Key(key), werr, err)
			}
		}
		return notFound(l.c.Key(key), err)
	}
	return err
}

// notFound is the error of a key with no value.
func notFound(k string, err error) error {
	if err == ErrNotFound {
		return fmt.Errorf("%w: %q", ErrNotFound, k)
	}
	return err
}

// marked reports whether the absence of key is remembered.
func (l *Loader[K, V]) marked(ctx context.Context, key K) (bool, error) {
	if l.opts.MissTTL == 0 {
		return false, nil
	}
	_, found, err := l.marks.Get(ctx, l.markKey(key))
	if err != nil || !found {
		return false, err
	}
	return true, notFound(l.c.Key(key), ErrNotFound)
}

// markKey returns the key, in the marks' cache, of the miss mark of key:
// KeyFunc(key)+"-miss" in the cache's namespace.
func (l *Loader[K, V]) markKey(key K) string {
	k := l.c.Key(key)
	if ns := l.c.Namespace(); ns != "" {
		k = strings.TrimPrefix(k, ns+":")
	}
	return k + missSuffix
}
