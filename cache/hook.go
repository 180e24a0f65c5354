package cache

import (
	"context"
	"fmt"
	"time"
)

// Op names a cache operation in an Event.
type Op uint8

// The operations a Hook observes.
const (
	OpGet Op = iota
	OpMultiGet
	OpSet
	OpMultiSet
	OpAdd
	OpDelete
	OpExists
	OpIncrement
	OpExpire
	OpClear
	OpGetVersion
	OpCompareAndSwap
	// The operations of a Lease, on which lock.Red is built.
	OpLockAcquire // an attempt to take a lock; Ok: it was taken
	OpLockWait    // a wait for a holder; Duration: how long; Ok: the holder let go before the end of the wait
	OpLockRelease // Ok: the entry held this token and was deleted
	OpLockExtend  // Ok: the entry held this token and got a new lease
	// OpLoad is a load of missing values by package loader: Key (or Keys,
	// for a batch), how long it took and its error. One stampede on a key
	// is one load, whatever the number of callers. Stale says that the
	// load failed or was late and its callers got the stale value instead.
	OpLoad
	// OpRefresh is a background reload by package loader of a value that
	// is still cached (loader.Options.RefreshAfter, and the rest of a
	// load that outlived loader.Options.LoadTimeout): Ok when it stored a
	// new value, Err when fn or the store failed, neither when it was
	// skipped (another process was reloading the key, or the key was
	// written meanwhile).
	OpRefresh
	numOps
)

// NumOps is the number of distinct operations; Op values are below it, so
// hooks can keep per-operation figures in an array.
const NumOps = int(numOps)

var opNames = [...]string{
	OpGet:            "get",
	OpMultiGet:       "multi_get",
	OpSet:            "set",
	OpMultiSet:       "multi_set",
	OpAdd:            "add",
	OpDelete:         "delete",
	OpExists:         "exists",
	OpIncrement:      "increment",
	OpExpire:         "expire",
	OpClear:          "clear",
	OpGetVersion:     "get_version",
	OpCompareAndSwap: "compare_and_swap",
	OpLockAcquire:    "lock_acquire",
	OpLockWait:       "lock_wait",
	OpLockRelease:    "lock_release",
	OpLockExtend:     "lock_extend",
	OpLoad:           "load",
	OpRefresh:        "refresh",
}

// String returns the operation's name in snake case, e.g. "multi_get".
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "unknown"
}

// Event describes one finished operation.
type Event struct {
	Op        Op
	Namespace string        // the namespace of the cache, "" for none
	Key       string        // the backend key of a single-key operation; the namespace for Clear
	Keys      []string      // the backend keys of MultiGet and MultiSet; do not modify
	Start     time.Time     // when the operation began
	Duration  time.Duration // how long it took
	Err       error         // its error, if any
	// Hits and Misses count the keys a read found and did not find: Get
	// and Exists count one of them, MultiGet one per distinct key (a key
	// asked for twice is one hit or one miss). Both are 0 for
	// writes and lock operations. An Add refused with ErrExists is an
	// error, not a read.
	Hits, Misses int
	// Remembered counts those of Misses that package loader answered
	// from its memory of the key's absence (loader.Options.MissTTL)
	// without a load: a hit of the negative cache.
	Remembered int
	// Ok is the yes-or-no answer of an operation that has one: Delete (the
	// key existed), Expire (it was found), CompareAndSwap (it swapped),
	// the lock operations and OpRefresh (see their Op).
	Ok bool
	// Stale reports, on an OpLoad, that the callers were served the
	// stale value of the key instead of the load's (loader.Options
	// StaleFor): the load failed, or had not finished by LoadTimeout.
	Stale bool
}

// Hook observes the operations of a Cache. Observe is called after each
// operation, on the caller's goroutine and with no lock held; it must be
// safe for concurrent use and should be quick. Package hook has ready ones.
type Hook interface {
	Observe(ctx context.Context, e Event)
}

// StartHook is a Hook that is also told when an operation begins, before
// any store call, and may return a derived context (e.g. one carrying a
// span) that the operation passes down to the store and hands back to
// Observe. key is the operation's backend key, "" for one of several keys
// (MultiGet, MultiSet, a batch load), the namespace for Clear. A cache
// with no StartHook never calls it; one without hooks does not even read
// the clock.
type StartHook interface {
	Hook
	Start(ctx context.Context, op Op, key string) context.Context
}

// HookFunc adapts a function to a Hook.
type HookFunc func(ctx context.Context, e Event)

// Observe calls f.
func (f HookFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }

// observers are the hooks of a Cache, sorted once in New.
type observers struct {
	hooks  []Hook
	starts []StartHook // those of hooks that are StartHooks
	ns     string
}

func newObservers(ns string, hooks []Hook) (observers, error) {
	o := observers{ns: ns}
	for i, h := range hooks {
		if h == nil {
			return o, fmt.Errorf("%w: Options.Hooks[%d] is nil", ErrInvalidUse, i)
		}
		o.hooks = append(o.hooks, h)
		if s, ok := h.(StartHook); ok {
			o.starts = append(o.starts, s)
		}
	}
	return o, nil
}

// begin starts an operation: the StartHooks derive the context it passes
// down, and the clock is read. Without hooks it returns ctx and the zero
// time at the cost of one comparison (it is inlined).
func (o *observers) begin(ctx context.Context, op Op, key string) (context.Context, time.Time) {
	if len(o.hooks) == 0 {
		return ctx, time.Time{}
	}
	return o.start(ctx, op, key)
}

func (o *observers) start(ctx context.Context, op Op, key string) (context.Context, time.Time) {
	for _, h := range o.starts {
		ctx = h.Start(ctx, op, key)
	}
	return ctx, time.Now()
}

// end reports the operation op of key, begun at start, with its error
// and its answer ok, to every hook. It takes the Event's fields rather
// than an Event: an argument is built before the call, and so before the
// test for hooks even where end is inlined, while here a cache without
// hooks builds none.
func (o *observers) end(ctx context.Context, start time.Time, op Op, key string, ok bool, err error) {
	if len(o.hooks) != 0 {
		o.report(ctx, start, Event{Op: op, Key: key, Ok: ok, Err: err})
	}
}

// endRead is end of a read of one key (see ReadEvent).
func (o *observers) endRead(ctx context.Context, start time.Time, op Op, key string, found bool, err error) {
	if len(o.hooks) != 0 {
		o.reportRead(ctx, start, op, key, found, err)
	}
}

// reportRead is endRead's report, in a function of its own so that
// endRead, with ReadEvent out of it, is small enough to be inlined.
func (o *observers) reportRead(ctx context.Context, start time.Time, op Op, key string, found bool, err error) {
	o.report(ctx, start, ReadEvent(op, key, found, err))
}

func (o *observers) report(ctx context.Context, start time.Time, e Event) {
	e.Namespace, e.Start, e.Duration = o.ns, start, time.Since(start)
	for _, h := range o.hooks {
		h.Observe(ctx, e)
	}
}

// Begin starts an operation of a package built on the cache (package
// lock's OpLock events, package loader's OpLoad and OpRefresh, and the
// reads the loader makes on its callers' behalf), as the cache starts its
// own: the StartHooks derive the context that the operation should pass
// down (e.g. one carrying a span), and start is the time it began. A
// cache without hooks returns ctx and the zero time, and reads no clock.
// Hand both to End when the operation is over.
func (c *Cache[K, V]) Begin(ctx context.Context, op Op, key string) (_ context.Context, start time.Time) {
	return c.obs.begin(ctx, op, key)
}

// End reports e, an operation begun with Begin at start, to the cache's
// hooks, filling in its Namespace, Start and Duration; ctx is the one
// Begin returned. Without hooks it does nothing.
func (c *Cache[K, V]) End(ctx context.Context, start time.Time, e Event) {
	if c.Observed() {
		c.obs.report(ctx, start, e)
	}
}

// Observed reports whether the cache has hooks, so that a package built on
// it can skip the work of an Event no one would see.
func (c *Cache[K, V]) Observed() bool { return len(c.obs.hooks) != 0 }

// ReadEvent returns the Event of a read of one key: one hit or one miss,
// or neither if the read failed (err set). Code that reads through a Cache
// on its callers' behalf (the loader, when callers share one read) reports
// its reads with it, in the shape the Cache's own reads have.
func ReadEvent(op Op, key string, found bool, err error) Event {
	e := Event{Op: op, Key: key, Err: err}
	switch {
	case err != nil:
	case found:
		e.Hits = 1
	default:
		e.Misses = 1
	}
	return e
}
