package memcache

import (
	"context"
	"sync"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
)

// call runs fn, the memcached calls of one operation op on key, and returns
// what it returns, or an error matching ctx's error as soon as ctx ends.
//
// gomemcache takes no context: a call in flight cannot be interrupted. So
// when ctx can end, fn runs on a goroutine of the store, and call returns
// when fn does or when ctx ends, whichever comes first; in the second case
// fn goes on in the background until its calls return, each network read
// or write bounded by the client's Timeout, and its result is dropped (a
// write may still happen). Close waits for such goroutines. fn also checks
// ctx between its steps (see after), so that an operation of several round
// trips stops at the next one. A ctx that can never end (Done() == nil)
// runs fn on the caller's goroutine.
//
// call first checks that the store is open and has a client and that ctx
// has not ended.
func call[T any](ctx context.Context, s *Store, op, key string, fn func() (T, error)) (T, error) {
	var zero T
	if err := s.begin(ctx, op, key); err != nil {
		return zero, err
	}
	if ctx.Done() == nil {
		return fn()
	}
	if !s.running.add() {
		return zero, opError(op, key, cache.ErrClosed)
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer s.running.done()
		var r result
		// A goroutine scheduled after ctx ended (a storm of calls with
		// short deadlines) has nobody to answer: it does nothing.
		if r.err = after(ctx, nil); r.err == nil {
			r.v, r.err = fn()
		}
		done <- r
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, opError(op, key, ctxerr.Err(ctx))
	}
}

// tracker counts the goroutines of operations in flight, so that Close can
// wait for them. Once closed it refuses new ones. Adding one takes only
// the read lock, so that concurrent calls never wait for each other.
type tracker struct {
	mu     sync.RWMutex // guards closed; held for writing only by close
	closed bool
	wg     sync.WaitGroup
}

// add counts a new goroutine and reports whether it may start.
func (t *tracker) add() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

// done uncounts a goroutine that has finished.
func (t *tracker) done() { t.wg.Done() }

// close refuses new goroutines and waits for those in flight.
func (t *tracker) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.wg.Wait()
}
