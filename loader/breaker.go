package loader

import (
	"sync/atomic"
	"time"
)

// breakerOpen is how long a failure of the store makes the loader skip it
// (Options.FailOpen) before one call tries it again.
const breakerOpen = time.Second

// A breaker is the circuit breaker of Options.FailOpen. Closed (the zero
// value), calls use the store. A failure opens it: for breakerOpen, calls
// skip the store; then one call at a time probes it, and a success closes
// the breaker again.
type breaker struct {
	openUntil atomic.Int64 // unix ns until which calls skip the store; 0: closed
	probing   atomic.Bool  // a call is probing the store
}

// allow reports whether a call may use the store; always when on is false
// (no FailOpen). It is inlined: a closed breaker costs a load.
func (b *breaker) allow(on bool) bool {
	return !on || b.openUntil.Load() == 0 || b.allowOpen()
}

// allowOpen is allow of a breaker that was opened: the store is skipped
// until openUntil, then probed by one call at a time.
func (b *breaker) allowOpen() bool {
	until := b.openUntil.Load()
	switch {
	case until == 0: // closed meanwhile
		return true
	case time.Now().UnixNano() < until:
		return false
	}
	return b.probing.CompareAndSwap(false, true)
}

// failed opens the breaker.
func (b *breaker) failed() {
	b.openUntil.Store(time.Now().Add(breakerOpen).UnixNano())
	b.probing.Store(false)
}

// succeeded closes the breaker after a call that used the store.
func (b *breaker) succeeded(on bool) {
	if on && b.openUntil.Load() != 0 {
		b.openUntil.Store(0)
		b.probing.Store(false)
	}
}
