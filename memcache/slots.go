package memcache

import (
	"context"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
)

// minSlots is the fewest operations a store lets run at once when
// Options.MaxInFlight is 0, whatever the client's MaxIdleConns.
const minSlots = 8

// slots bound the operations of a store in flight at once, so that they
// never need more connections than the client keeps.
//
// gomemcache has no bound of its own: a call that finds no idle connection
// dials a new one, and closes it afterwards if MaxIdleConns are idle
// already. Under a burst of calls with short deadlines (or with a slow
// server, whose connections stay busy), every call beyond the idle ones
// opened and closed a connection, in the background after its caller had
// gone; on two cores that churn, in the client and in memcached alike,
// delayed the timers and wake-ups of every caller, which returned up to
// 800ms after their deadline. With slots, a call beyond the bound waits
// for one, in its caller and no longer than its ctx allows, and sends
// nothing if its ctx ends first.
type slots struct {
	ch     chan struct{}   // a token per operation in flight
	closed <-chan struct{} // closed by Close: waiters give up
}

// newSlots returns n slots whose waiters give up when closed is closed.
func newSlots(n int, closed <-chan struct{}) slots {
	return slots{ch: make(chan struct{}, n), closed: closed}
}

// acquire takes a slot, waiting until one is free, ctx ends (its error) or
// the store closes (cache.ErrClosed). A ctx that never ends waits for a
// slot or for Close.
func (s *slots) acquire(ctx context.Context) error {
	select {
	case s.ch <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctxerr.Err(ctx)
	case <-s.closed:
		return cache.ErrClosed
	}
}

// release frees a slot taken by acquire.
func (s *slots) release() { <-s.ch }
