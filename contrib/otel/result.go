package otel

import (
	"errors"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/loader"
)

// result is the result attribute of cachekit.operations.
type result uint8

const (
	resultHit result = iota
	resultMiss
	resultOK
	resultError
	numResults
)

var resultNames = [numResults]string{"hit", "miss", "ok", "error"}

// loadResult is the result attribute of cachekit.loads.
type loadResult uint8

const (
	loadOK loadResult = iota
	loadNotFound
	loadError
	loadStaleServed
	numLoadResults
)

var loadResultNames = [numLoadResults]string{"ok", "not_found", "error", "stale_served"}

// refreshResult is the result attribute of cachekit.refreshes.
type refreshResult uint8

const (
	refreshOK refreshResult = iota
	refreshError
	refreshSkipped
	numRefreshResults
)

var refreshResultNames = [numRefreshResults]string{"ok", "error", "skipped"}

// loadResultOf classifies an OpLoad: callers served a stale value are
// stale_served whatever the load's own fate; fn's ErrNotFound is an
// answer (not_found), not a failure.
func loadResultOf(e *cache.Event) loadResult {
	switch {
	case e.Stale:
		return loadStaleServed
	case e.Err == nil:
		return loadOK
	case errors.Is(e.Err, loader.ErrNotFound):
		return loadNotFound
	}
	return loadError
}

// refreshResultOf classifies an OpRefresh: Ok when it stored a new
// value, Err when it failed, neither when it was skipped.
func refreshResultOf(e *cache.Event) refreshResult {
	switch {
	case e.Err != nil:
		return refreshError
	case e.Ok:
		return refreshOK
	}
	return refreshSkipped
}

// isRead reports whether e is a read that succeeded: one that found or
// missed keys. A failed read has neither hits nor misses.
func isRead(e *cache.Event) bool { return e.Err == nil && e.Hits+e.Misses > 0 }

// isReadOp reports whether op reads keys, with hits and misses.
func isReadOp(op cache.Op) bool {
	switch op {
	case cache.OpGet, cache.OpMultiGet, cache.OpExists, cache.OpGetVersion:
		return true
	}
	return false
}
