package memcache

import (
	"context"
	"sync/atomic"

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
//
// A slot within the bound costs one atomic addition to take and one to
// give back (a channel of tokens, the first design, cost a lock of the
// channel each way, which every core contended for: 2 % of a parallel
// Get). Beyond the bound, a call waits on wake, and a release whose count
// shows a waiter hands its slot over there. So n is the calls in flight
// plus those waiting; min(n, max) slots are taken or being handed over,
// and n-max waiters (if n > max) have none coming yet. The slots being
// handed over, at most max, fit in wake's buffer: a release never blocks.
type slots struct {
	n      atomic.Int64
	max    int64
	wake   chan struct{}   // slots handed over by releases, to any waiter
	closed <-chan struct{} // closed by Close: waiters give up
}

// newSlots returns n slots whose waiters give up when closed is closed.
func newSlots(n int, closed <-chan struct{}) slots {
	return slots{max: int64(n), wake: make(chan struct{}, n), closed: closed}
}

// acquire takes a slot, waiting until one is free, ctx ends (its error) or
// the store closes (cache.ErrClosed). A ctx that never ends waits for a
// slot or for Close.
func (s *slots) acquire(ctx context.Context) error {
	if s.n.Add(1) <= s.max {
		return nil
	}
	return s.wait(ctx)
}

// wait is acquire beyond the bound: it waits for a slot handed over.
func (s *slots) wait(ctx context.Context) error {
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		s.leave()
		return ctxerr.Err(ctx)
	case <-s.closed:
		// Nothing takes a slot once the store is closed: the count no
		// longer matters, and a slot handed over stays in wake.
		return cache.ErrClosed
	}
}

// release frees a slot taken by acquire, or hands it to a waiter.
func (s *slots) release() {
	if s.n.Add(-1) >= s.max {
		s.wake <- struct{}{}
	}
}

// leave takes a waiter that gave up out of the count. While the count is
// over the bound, a waiter with no slot coming yet is removed. Once it is
// within, a release has counted every waiter left, this one too, and
// handed over a slot for each: this one takes one, which is on its way,
// and releases it as if it had run.
func (s *slots) leave() {
	for {
		n := s.n.Load()
		if n <= s.max {
			<-s.wake
			s.release()
			return
		}
		if s.n.CompareAndSwap(n, n-1) {
			return
		}
	}
}
