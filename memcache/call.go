package memcache

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
)

// req is what an operation is called with: its key or keys and the values
// it writes. call hands it to the operation's function, so that the
// function can be a plain function rather than a closure (a closure that
// may run on a goroutine is allocated on every call, context or not).
type req struct {
	op    string // the operation's name, for errors (call sets it)
	key   string // the key, or the label of a multi-key operation, for errors
	val   []byte // the value to write, or the token to compare
	ttl   time.Duration
	ver   cache.Version
	delta int64
	keys  []string
	vals  [][]byte
}

// detach returns a copy of r that owns the memory its caller may reuse
// once the call returns: the bytes of val and vals and the slices of keys
// and vals. Keys are strings, which nobody can change.
func (r req) detach() req {
	if r.val != nil {
		r.val = slices.Clone(r.val)
	}
	if r.keys != nil {
		r.keys = slices.Clone(r.keys)
	}
	if r.vals != nil {
		n := 0
		for _, v := range r.vals {
			n += len(v)
		}
		buf := make([]byte, 0, n)
		vals := make([][]byte, len(r.vals))
		for i, v := range r.vals {
			if v != nil {
				buf = append(buf, v...)
				vals[i] = buf[len(buf)-len(v) : len(buf) : len(buf)]
			}
		}
		r.vals = vals
	}
	return r
}

// call runs fn(s, ctx, r), the memcached calls of one operation op on
// r.key, and returns what it returns, or an error matching ctx's error as
// soon as ctx ends.
//
// gomemcache takes no context: a call in flight cannot be interrupted. So
// when ctx can end, fn runs on a goroutine of the store, and call returns
// when fn does or when ctx ends, whichever comes first; in the second case
// fn goes on in the background until its calls return, each network read
// or write bounded by the client's Timeout, and its result is dropped (a
// write may still happen). Close waits for such goroutines. That goroutine
// works on r.detach(), never on memory of the caller: a caller may reuse
// the buffer it wrote once call returns, and a write that lands after that
// still writes the bytes the caller gave. fn also checks ctx between its
// steps (see after), so that an operation of several round trips stops at
// the next one. A ctx that can never end (Done() == nil) runs fn on the
// caller's goroutine, with r as it is.
//
// Before that, call checks that the store is open and has a client and
// that ctx has not ended, and takes one of the store's slots (see slots),
// waiting for one no longer than ctx allows: a store never has more
// operations in flight than its client keeps connections for.
func call[T any](ctx context.Context, s *Store, op string, r req, fn func(*Store, context.Context, req) (T, error)) (T, error) {
	var zero T
	r.op = op
	if err := s.enter(ctx, op, r.key); err != nil {
		return zero, err
	}
	if ctx.Done() == nil {
		defer s.slots.release()
		return fn(s, ctx, r)
	}
	if !s.running.add() {
		s.slots.release()
		return zero, opError(op, r.key, cache.ErrClosed)
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	r = r.detach()
	go func() {
		defer s.running.done()
		defer s.slots.release()
		var res result
		// A goroutine scheduled after ctx ended (a storm of calls with
		// short deadlines) has nobody to answer: it does nothing.
		if res.err = after(ctx, nil); res.err == nil {
			res.v, res.err = fn(s, ctx, r)
		}
		done <- res
	}()
	select {
	case res := <-done:
		return res.v, res.err
	case <-ctx.Done():
		return zero, opError(op, r.key, ctxerr.Err(ctx))
	}
}

// enter begins the operation op on key: it checks that the store is open
// and has a client and that ctx has not ended, and takes one of the
// store's slots, which the caller releases.
func (s *Store) enter(ctx context.Context, op, key string) error {
	if err := s.begin(ctx, op, key); err != nil {
		return err
	}
	if err := s.slots.acquire(ctx); err != nil {
		return opError(op, key, err)
	}
	return nil
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
