// Package result classifies the events of a cache into the results that
// the metrics of contrib/otel and contrib/prometheus count: one
// definition for both exporters, so that they count alike.
package result

import (
	"errors"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/loader"
)

// Op is the result label of cachekit.operations.
type Op uint8

// The results of an operation.
const (
	Hit Op = iota
	Miss
	OK
	Error
	NumOps
)

// OpNames are the label values of the results of an operation.
var OpNames = [NumOps]string{"hit", "miss", "ok", "error"}

// Load is the result label of cachekit.loads.
type Load uint8

// The results of a load.
const (
	LoadOK Load = iota
	LoadNotFound
	LoadError
	LoadStaleServed
	NumLoads
)

// LoadNames are the label values of the results of a load.
var LoadNames = [NumLoads]string{"ok", "not_found", "error", "stale_served"}

// Refresh is the result label of cachekit.refreshes.
type Refresh uint8

// The results of a refresh.
const (
	RefreshOK Refresh = iota
	RefreshError
	RefreshSkipped
	NumRefreshes
)

// RefreshNames are the label values of the results of a refresh.
var RefreshNames = [NumRefreshes]string{"ok", "error", "skipped"}

// LoadOf classifies an OpLoad: callers served a stale value are
// stale_served whatever the load's own fate; fn's ErrNotFound is an
// answer (not_found), not a failure.
func LoadOf(e *cache.Event) Load {
	switch {
	case e.Stale:
		return LoadStaleServed
	case e.Err == nil:
		return LoadOK
	case errors.Is(e.Err, loader.ErrNotFound):
		return LoadNotFound
	}
	return LoadError
}

// RefreshOf classifies an OpRefresh: Ok when it stored a new value, Err
// when it failed, neither when it was skipped.
func RefreshOf(e *cache.Event) Refresh {
	switch {
	case e.Err != nil:
		return RefreshError
	case e.Ok:
		return RefreshOK
	}
	return RefreshSkipped
}

// IsRead reports whether e is a read that succeeded: one that found or
// missed keys. A failed read has neither hits nor misses.
func IsRead(e *cache.Event) bool { return e.Err == nil && e.Hits+e.Misses > 0 }

// IsReadOp reports whether op reads keys, with hits and misses.
func IsReadOp(op cache.Op) bool {
	switch op {
	case cache.OpGet, cache.OpMultiGet, cache.OpExists, cache.OpGetVersion:
		return true
	}
	return false
}
