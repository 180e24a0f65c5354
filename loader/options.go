package loader

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// DefaultLease is the lease of the lock of a load when Options.Lease is 0.
const DefaultLease = 10 * time.Second

// Options configure a Loader. The zero value is valid: a loader that
// stores what fn returns with the cache's default TTL, and returns the
// store's errors.
type Options[K comparable, V any] struct {
	// Lease is the lease of the key's lock.Red while one caller loads: how
	// long other processes wait for it at most between two extensions. The
	// lock is extended while fn runs, so a load may take longer. 0 means
	// DefaultLease; < 0 makes New fail.
	Lease time.Duration
	// Write are the options of the write of a loaded value (e.g.
	// cache.TTL); none: the cache's default TTL. TTL and TTLFunc take
	// precedence over a cache.TTL here.
	Write []cache.WriteOption
	// Batch loads the missing keys of a MultiGet in one call; keys it
	// leaves out of its map have no value. nil: MultiGet loads each miss
	// with fn, concurrently.
	Batch func(ctx context.Context, keys []K) (map[K]V, error)
	// MissTTL > 0 remembers an ErrNotFound result this long (negative
	// caching), in the store so that other processes see it; 0 never does;
	// < 0 makes New fail.
	MissTTL time.Duration

	// TTL of a loaded value (takes precedence over a cache.TTL in Write);
	// 0: Write's, else the cache's default. TTLFunc, when set, decides per
	// value instead: its TTL for that value, 0 = do not store it (return
	// it to the callers only), < 0 = store without expiry. The cache's
	// Options.Jitter spreads either. < 0 makes New fail.
	TTL     time.Duration
	TTLFunc func(key K, v V) time.Duration

	// RefreshAfter > 0 (refresh-ahead): a hit on a value stored more than
	// RefreshAfter ago returns that value at once and starts one reload of
	// the key in the background: one per key across every process on the
	// store (the key's lock, tried without waiting). The reload replaces
	// the value unless the key was written since it began; a failed
	// reload keeps the old value. A value's age is its TTL less the time
	// it has left (read with it, in the same round trip: the store must
	// be a cache.TTLGetter, else New fails with an error matching
	// errors.ErrUnsupported), so it needs values that expire: New fails
	// when RefreshAfter is not below the TTL, or when the TTL is 0 and
	// there is no TTLFunc. With the cache's Jitter, ages are known within
	// Jitter·TTL.
	RefreshAfter time.Duration

	// StaleFor > 0 (fail-safe): loaded values are kept StaleFor past their
	// TTL. A Get that finds a value in that window reloads it as on a
	// miss, but when the reload fails, or has not finished by LoadTimeout,
	// it returns the stale value (no error) and the reload goes on in the
	// background. An ErrNotFound from the reload is no failure: the value
	// is gone. Like RefreshAfter, it needs a store that tells TTLs.
	StaleFor    time.Duration
	LoadTimeout time.Duration // see StaleFor; 0: wait for the reload (or the caller's ctx)

	// FailOpen: when the store fails (an error other than ErrDecode, e.g.
	// the server is down or slow past StoreTimeout), Get and MultiGet load
	// from fn (still once per key in this process) and return fn's value
	// instead of the store's error; the write is attempted and its failure
	// ignored. While the store keeps failing, calls skip it (a circuit
	// breaker, re-probed at most every second) so that an outage costs no
	// store timeout per call. StoreTimeout bounds the calls to a remote
	// store; an in-process one (a cache.ValueStore, as the memory store)
	// does no I/O, and its calls are left unbounded: a hit there costs no
	// timer.
	FailOpen     bool
	StoreTimeout time.Duration // a store call's own deadline on the loader's path; 0: the caller's ctx only
}

// ErrNotFound is returned by fn (wrapped or not) for a key that has no
// value, and matched by the error Get returns for it.
var ErrNotFound = errors.New("loader: not found")

// Errors of the callers that shared a flight whose fn did not return.
var (
	// errPanicked is matched by the error of the callers that shared a
	// flight whose fn panicked (the caller that started it gets the
	// panic).
	errPanicked = errors.New("loader: fn panicked")
	// errGoexit is the error of every caller of a flight whose fn called
	// runtime.Goexit.
	errGoexit = errors.New("loader: fn called runtime.Goexit")
)

// validate checks opts against the cache c, and resolves the TTL of
// loaded values (ttl: Options.TTL, else Write's or the cache's).
func (o *Options[K, V]) validate(c interface {
	WriteTTL(...cache.WriteOption) (time.Duration, error)
	KnowsTTL() bool
}) (ttl time.Duration, err error) {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Lease", o.Lease}, {"MissTTL", o.MissTTL}, {"TTL", o.TTL}, {"RefreshAfter", o.RefreshAfter},
		{"StaleFor", o.StaleFor}, {"LoadTimeout", o.LoadTimeout}, {"StoreTimeout", o.StoreTimeout}} {
		if d.v < 0 {
			return 0, fmt.Errorf("loader: negative %s %v", d.name, d.v)
		}
	}
	if ttl = o.TTL; ttl == 0 {
		if ttl, err = c.WriteTTL(o.Write...); err != nil {
			return 0, fmt.Errorf("loader: Write: %w", err)
		}
	}
	if (o.RefreshAfter > 0 || o.StaleFor > 0) && !c.KnowsTTL() {
		return 0, fmt.Errorf("loader: RefreshAfter and StaleFor need the age of values, which the store cannot tell (it is no cache.TTLGetter): %w", errors.ErrUnsupported)
	}
	if o.RefreshAfter > 0 && o.TTLFunc == nil {
		switch {
		case ttl == 0:
			return 0, fmt.Errorf("loader: RefreshAfter %v needs values that expire: the TTL is 0 and there is no TTLFunc", o.RefreshAfter)
		case o.RefreshAfter >= ttl:
			return 0, fmt.Errorf("loader: RefreshAfter %v is not below the TTL %v", o.RefreshAfter, ttl)
		}
	}
	return ttl, nil
}

// youngAbove returns the time left above which a value found is fresh
// (see state): not in its StaleFor, and not due for a refresh; with a
// TTLFunc, that depends on the value, and state decides every time.
func (l *Loader[K, V]) youngAbove() time.Duration {
	switch {
	case l.opts.TTLFunc != nil:
		return math.MaxInt64
	case l.opts.RefreshAfter > 0 && l.ttl > 0:
		return max(l.opts.StaleFor, l.ttl+l.opts.StaleFor-l.opts.RefreshAfter)
	}
	return l.opts.StaleFor
}

// ttlFor returns the TTL of a loaded value v of key (0: no expiry) and
// whether to store it at all: TTLFunc's, else the loader's, plus
// StaleFor for a value that expires.
func (l *Loader[K, V]) ttlFor(key K, v V) (ttl time.Duration, keep bool) {
	ttl = l.nominal(key, v)
	switch {
	case ttl == 0:
		return 0, false
	case ttl < 0:
		return 0, true
	}
	return ttl + l.opts.StaleFor, true
}

// nominal is the TTL that a loaded value v of key gets before StaleFor:
// > 0, or < 0 for no expiry, or 0 for "not stored".
func (l *Loader[K, V]) nominal(key K, v V) time.Duration {
	if l.opts.TTLFunc != nil {
		return l.opts.TTLFunc(key, v)
	}
	if l.ttl == 0 {
		return -1
	}
	return l.ttl
}
