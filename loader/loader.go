package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// missSuffix names the entry that remembers the absence of a key (see
// Options.MissTTL), beside the key in the cache's namespace.
const missSuffix = "-miss"

// missMark is the value of a miss mark: one that no Cache writes by
// accident (a cache's own values go through its serializer), so that a
// key of the user's that happens to end in "-miss" is not taken for one.
var missMark = []byte("cachekit:absent")

// Loader is a read-through view of a cache: Get returns the cached value of
// a key or loads it with fn, once for every caller that wants it at the
// same time, in this process and across processes. It is safe for
// concurrent use. See the package documentation.
type Loader[K comparable, V any] struct {
	c     *cache.Cache[K, V] // its hooks get the callers' reads, the loads and the refreshes
	fn    func(ctx context.Context, key K) (V, error)
	opts  Options[K, V]
	ttl   time.Duration // of loaded values, before StaleFor and TTLFunc; 0: no expiry
	probe cache.Probe   // what a read asks the store for besides the value
	// direct: a hit is one Cache.ProbeTTL, on an in-process store (no
	// reads to share) with no hooks (no Get to report).
	direct bool
	// young: a value found with more time left than this is fresh (see
	// state); math.MaxInt64 when TTLFunc decides per value.
	young time.Duration

	// The work under way in this process, one call per key in each:
	reads     *table[probed[V]] // the callers' reads of a remote store; nil for an in-process one
	loads     *table[loaded[V]] // loads: through the store, under the key's lock
	local     *table[loaded[V]] // loads that skip a failing store (FailOpen)
	refreshes *table[struct{}]  // background reloads (RefreshAfter)

	breaker breaker
	bg      background
	stop    context.Context // ended by Close: background work stops
	close   context.CancelFunc
}

// probed is the outcome of a read.
type probed[V any] struct {
	p   cache.Probed[V]
	err error
}

// loaded is the outcome of a load.
type loaded[V any] struct {
	v   V
	err error
}

// New returns a Loader of c that loads missing values with fn. It fails for
// a nil cache, a nil fn, a negative duration in opts, or a RefreshAfter
// that the values' TTL does not allow.
func New[K comparable, V any](c *cache.Cache[K, V], fn func(ctx context.Context, key K) (V, error), opts Options[K, V]) (*Loader[K, V], error) {
	switch {
	case c == nil:
		return nil, errors.New("loader: nil cache")
	case fn == nil:
		return nil, errors.New("loader: nil fn")
	}
	ttl, err := opts.validate(c)
	if err != nil {
		return nil, err
	}
	if opts.Lease == 0 {
		opts.Lease = DefaultLease
	}
	l := &Loader[K, V]{c: c, fn: fn, opts: opts, ttl: ttl}
	l.probe.TTL = opts.RefreshAfter > 0 || opts.StaleFor > 0
	if opts.MissTTL > 0 {
		l.probe.Beside = missSuffix
	}
	l.stop, l.close = context.WithCancel(context.Background())
	if _, local := c.Store().(cache.ValueStore); !local {
		l.reads = newTable[probed[V]](&l.bg)
	}
	l.loads = newTable[loaded[V]](&l.bg)
	l.local = newTable[loaded[V]](&l.bg)
	l.refreshes = newTable[struct{}](&l.bg)
	if l.reads == nil {
		// An in-process store does no I/O: its calls are not bounded,
		// and a hit costs no timer.
		l.opts.StoreTimeout = 0
	}
	l.young = l.youngAbove()
	l.direct = l.reads == nil && !c.Observed()
	return l, nil
}

// Must returns l, and panics if err is not nil: loader.Must(loader.New(...)).
func Must[K comparable, V any](l *Loader[K, V], err error) *Loader[K, V] {
	if err != nil {
		panic(err)
	}
	return l
}

// Close stops the Loader's background work (refreshes, and reloads of
// stale values that no caller waits for any more) and waits for it. Get
// and MultiGet still work after Close, in the foreground. It does not
// close the cache's store, and is idempotent.
func (l *Loader[K, V]) Close() error {
	if l == nil || l.c == nil {
		return nil
	}
	l.close()
	l.bg.close()
	return nil
}

// Get returns the value of key: the cached one, or fn's, loaded once for
// every caller that wants key meanwhile and stored with the loader's TTL.
// An error of fn (shared by the callers of one flight, never stored), an
// error matching ErrNotFound for a key with no value, and an error
// matching ctx.Err() when ctx ends first (the load goes on for the others)
// are returned with the zero value; so is the store's error, unless
// Options.FailOpen.
func (l *Loader[K, V]) Get(ctx context.Context, key K) (V, error) {
	var zero V
	if err := l.check(ctx); err != nil {
		return zero, err
	}
	k := l.c.Key(key)
	if l.opts.FailOpen && !l.breaker.allow(true) {
		return l.loadLocal(ctx, key, k)
	}
	if l.direct {
		// An in-process store with no hooks: a read is one ProbeTTL,
		// whose value and TTL come back in registers (a Probed filled
		// in place cost the hit 10 ns more, on an 80 ns read). A miss
		// reads again, with the whole probe: the mark of a remembered
		// absence is beside it.
		if v, ttl, found, err := l.c.ProbeTTL(ctx, k); err == nil && found {
			l.breaker.succeeded(l.opts.FailOpen)
			if l.isYoung(ttl) {
				return v, nil
			}
			return l.serve(ctx, key, k, &cache.Probed[V]{Value: v, Found: true, TTL: ttl})
		}
	}
	var p cache.Probed[V]
	if err := l.read(ctx, k, &p); err != nil {
		if l.failOpen(ctx, err) {
			return l.loadLocal(ctx, key, k)
		}
		return zero, err
	}
	return l.serve(ctx, key, k, &p)
}

// serve returns what a read found of key: the value, refreshed in the
// background when it is ageing, or fn's for one missing or stale.
func (l *Loader[K, V]) serve(ctx context.Context, key K, k string, p *cache.Probed[V]) (V, error) {
	switch l.state(key, p) {
	case fresh:
		return p.Value, nil
	case ageing:
		l.refresh(ctx, key, k)
		return p.Value, nil
	case remembered:
		var zero V
		return zero, notFound(k, ErrNotFound)
	case stale:
		v := p.Value // a copy: a pointer into p would move p to the heap on every call
		return l.load(ctx, key, k, &v)
	}
	return l.load(ctx, key, k, nil)
}

// check returns the error of a call that cannot be made: a nil ctx, or a
// Loader that New did not make. It is inlined: two comparisons on the
// hot path.
func (l *Loader[K, V]) check(ctx context.Context) error {
	if l == nil || l.c == nil || ctx == nil {
		return l.misuse(ctx)
	}
	return nil
}

func (l *Loader[K, V]) misuse(ctx context.Context) error {
	if l == nil || l.c == nil {
		return fmt.Errorf("%w: a Loader not made by loader.New", cache.ErrInvalidUse)
	}
	return fmt.Errorf("%w: nil context", cache.ErrInvalidUse)
}

// read is the caller's read of k, reported to the hooks as the Get it
// stands for (a remembered absence as a miss, and Remembered). Without
// hooks it is the read alone. (Get serves the hit of an in-process store
// without hooks before it, with ProbeTTL: see Loader.direct.)
func (l *Loader[K, V]) read(ctx context.Context, k string, p *cache.Probed[V]) (err error) {
	if l.c.Observed() {
		ctx, start := l.c.Begin(ctx, cache.OpGet, k)
		err = l.readShared(ctx, k, p)
		e := cache.ReadEvent(cache.OpGet, k, p.Found, firstError(err, p.Err))
		if e.Misses == 1 && isMark(p.Beside) {
			e.Remembered = 1
		}
		l.c.End(ctx, start, e)
	} else {
		err = l.readShared(ctx, k, p)
	}
	if err == nil {
		l.breaker.succeeded(l.opts.FailOpen)
	}
	return err
}

// firstError returns the first error that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// readShared reads k; on a remote store, callers that arrive while a read
// of k is under way share it, so that a burst of callers costs the store
// one read per process (and the miss starts its load sooner). A read is
// shared only with callers for which no write of k returned since it was
// sent (package writeseq): a read that begins after a write sees it. It
// runs on a context of its own, which lives while any caller waits.
func (l *Loader[K, V]) readShared(ctx context.Context, k string, p *cache.Probed[V]) (err error) {
	if l.reads == nil {
		return l.c.ProbeInto(ctx, l.probe, k, p)
	}
	c, lead := l.reads.join(ctx, k, true)
	if lead {
		l.reads.run(k, c, func(ctx context.Context) (probed[V], func()) {
			p, err := l.probeStore(ctx, k, l.probe)
			return probed[V]{p, err}, nil
		})
	}
	if !l.reads.wait(ctx, k, c) {
		return ctxErr(ctx)
	}
	if c.panic != nil {
		if lead && c.panic != errGoexit {
			panic(c.panic)
		}
		return fmt.Errorf("loader: read %q: %w: %v", k, errPanicked, c.panic)
	}
	*p = c.res.p
	return c.res.err
}

// probeStore reads k from the store, within StoreTimeout.
func (l *Loader[K, V]) probeStore(ctx context.Context, k string, p cache.Probe) (cache.Probed[V], error) {
	if l.opts.StoreTimeout == 0 {
		return l.c.Probe(ctx, p, k)
	}
	ctx, cancel := context.WithTimeout(ctx, l.opts.StoreTimeout)
	defer cancel()
	return l.c.Probe(ctx, p, k)
}

// storeCtx bounds a store call of the loader's by StoreTimeout.
func (l *Loader[K, V]) storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if l.opts.StoreTimeout > 0 {
		return context.WithTimeout(ctx, l.opts.StoreTimeout)
	}
	return ctx, noop
}

func noop() {}

// state is what a read found of a key.
type state uint8

const (
	missing    state = iota // no value (or one that could not be decoded)
	remembered              // no value, and its absence is remembered
	fresh                   // a value to return
	ageing                  // a value to return, due for a refresh
	stale                   // a value past its TTL, in its StaleFor
)

// state classifies what a read of key found.
func (l *Loader[K, V]) state(key K, p *cache.Probed[V]) state {
	switch {
	case !p.Found && isMark(p.Beside):
		return remembered
	case !p.Found:
		return missing
	case l.isYoung(p.TTL):
		return fresh
	case l.opts.StaleFor > 0 && p.TTL <= l.opts.StaleFor:
		return stale
	case l.opts.RefreshAfter > 0:
		if n := l.nominal(key, p.Value); n > 0 && n+l.opts.StaleFor-p.TTL >= l.opts.RefreshAfter {
			return ageing
		}
	}
	return fresh
}

// isYoung reports whether a value found with ttl left is fresh by that
// alone: no expiry (or no TTL asked for or told), or more than young.
func (l *Loader[K, V]) isYoung(ttl time.Duration) bool {
	return ttl == 0 || ttl > l.young
}

// isMark reports whether b is a miss mark.
func isMark(b []byte) bool { return bytes.Equal(b, missMark) }

// notFound is the error of a key with no value.
func notFound(k string, err error) error {
	if err == ErrNotFound {
		return fmt.Errorf("%w: %q", ErrNotFound, k)
	}
	return err
}

// ctxErr is ctx's error, also when its deadline passed a moment before
// its timer fired.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return context.DeadlineExceeded
}
