package cache

import (
	"context"
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
	// is one load, whatever the number of callers.
	OpLoad
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
	Op       Op
	Key      string        // the backend key of a single-key operation; the namespace for Clear
	Keys     []string      // the backend keys of MultiGet and MultiSet; do not modify
	Start    time.Time     // when the operation began
	Duration time.Duration // how long it took
	Err      error         // its error, if any
	// Hits and Misses count the keys a read found and did not find: Get
	// and Exists count one of them, MultiGet one per distinct key (a key
	// asked for twice is one hit or one miss). Both are 0 for
	// writes and lock operations. An Add refused with ErrExists is an
	// error, not a read.
	Hits, Misses int
	// Ok is the yes-or-no answer of an operation that has one: Delete (the
	// key existed), Expire (it was found), CompareAndSwap (it swapped) and
	// the lock operations (see their Op).
	Ok bool
}

// Hook observes the operations of a Cache. Observe is called after each
// operation, on the caller's goroutine and with no lock held; it must be
// safe for concurrent use and should be quick. Package hook has ready ones.
type Hook interface {
	Observe(ctx context.Context, e Event)
}

// HookFunc adapts a function to a Hook.
type HookFunc func(ctx context.Context, e Event)

// Observe calls f.
func (f HookFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }

// begin returns the start of an operation, or the zero time when there are
// no hooks: a cache without hooks never reads the clock.
func begin(hooks []Hook) time.Time {
	if len(hooks) == 0 {
		return time.Time{}
	}
	return time.Now()
}

// end reports the operation e, begun at start, to every hook. It is small
// enough to be inlined, so that without hooks e is never built.
func end(ctx context.Context, hooks []Hook, start time.Time, e Event) {
	if len(hooks) != 0 {
		report(ctx, hooks, start, e)
	}
}

func report(ctx context.Context, hooks []Hook, start time.Time, e Event) {
	e.Start, e.Duration = start, time.Since(start)
	for _, h := range hooks {
		h.Observe(ctx, e)
	}
}

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
