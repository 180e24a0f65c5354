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
	// and Exists count one of them, MultiGet one per key. Both are 0 for
	// writes. An Add refused with ErrExists is an error, not a read.
	Hits, Misses int
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

// observe reports e to every hook. Callers check len(c.hooks) first so that
// a cache without hooks never reads the clock.
func (c *Cache[K, V]) observe(ctx context.Context, e Event) {
	e.Duration = time.Since(e.Start)
	for _, h := range c.hooks {
		h.Observe(ctx, e)
	}
}
