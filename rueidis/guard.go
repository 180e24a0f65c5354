package rueidis

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/internal/ctxerr"
)

// This file makes every call return at its ctx's end, whatever rueidis
// does.
//
// rueidis honours ctx while it waits for a reply on an open connection.
// It does not while it makes a connection: the caller that needs a new
// connection dials it and sends the handshake with its own ctx, every
// other caller that needs it waits for that one without looking at its
// ctx, and when the handshake is cut short by the dialling caller's
// deadline, rueidis closes the half-made connection waiting for the
// server's answers (up to a second). So when the server is slow, every
// caller on a connection being made waits for the server, not for its
// deadline: 32 callers with 5ms deadlines, replies held for 300ms,
// returned 300ms late (p99). And connections are made often then: a
// call alone on an idle connection runs synchronously, and rueidis closes
// that connection when the call's deadline passes. rueidis also waits
// without ctx for a free slot when a connection has 1024 commands in
// flight.
//
// Running every call on a goroutine of its own would return at the
// deadline, but doubles the cost of a call on a healthy server. So the
// store does it only while it is careful: after it was made, until a
// first call succeeds or a second has passed (its connections are not
// made yet: a server slow from the start would hold the first calls), and
// for a second after each sign of trouble (a connection failed, or a
// call's deadline passed while rueidis had it). Meanwhile a call whose ctx can end is sent by a goroutine of
// the store, and returns as soon as ctx ends; the goroutine goes on until
// rueidis returns, and Close waits for it. Otherwise a call runs on the
// caller's goroutine, at no cost. What is left: calls already in rueidis
// when trouble begins, on a connection that rueidis is making, wait as
// before; the first of them to return makes the store careful.

// carefulWindow is how long a store stays careful after it was made or saw
// trouble.
const carefulWindow = time.Second

// maxFlights bounds the goroutines that a store runs for calls whose
// caller left (its ctx ended) while rueidis still waits: under a storm of
// calls to a hung server, calls beyond it run on the caller's goroutine.
const maxFlights = 1 << 12

// guard decides whether a call is sent by a goroutine of the store, and
// keeps count of those goroutines.
type guard struct {
	// until is the end of the careful window, in nanotime; 0 once it has
	// passed, so that a store that is not careful reads one word per call.
	until atomic.Int64
	// starting is true from New until a call succeeds: while it is, the
	// window is the store's first, ending at startUntil, which a success
	// ends sooner (unless trouble made a window of its own meanwhile).
	starting   atomic.Bool
	startUntil int64 // written by start, before the store is shared

	mu      sync.RWMutex // guards closed; held for writing only by close
	closed  bool
	flights sync.WaitGroup
	n       atomic.Int64 // flights running
}

// careful reports whether calls are to be sent by goroutines of the store.
func (g *guard) careful() bool {
	until := g.until.Load()
	if until == 0 {
		return false
	}
	if nanotime() < until {
		return true
	}
	g.until.CompareAndSwap(until, 0)
	return false
}

// start makes a new store careful until a call succeeds, for at most
// carefulWindow.
func (g *guard) start() {
	g.startUntil = nanotime() + int64(carefulWindow)
	g.starting.Store(true)
	g.until.Store(g.startUntil)
}

// trouble makes the store careful for carefulWindow from now.
func (g *guard) trouble() {
	g.starting.Store(false)
	g.until.Store(nanotime() + int64(carefulWindow))
}

// observe takes note of err, the result of a call sent while ctx was
// alive: a success ends the careful start of a store; a sign of trouble
// (the connection failed, or ctx's deadline passed while rueidis had the
// call) makes it careful. A call cancelled by its caller is neither.
func (g *guard) observe(ctx context.Context, err error) {
	if err == nil {
		g.succeeded()
		return
	}
	if cerr := ctxerr.Err(ctx); cerr == nil || cerr == context.DeadlineExceeded {
		g.trouble()
	}
}

// succeeded takes note of a call that succeeded (see observe). It is
// inlined: once the store has started, it reads one word.
func (g *guard) succeeded() {
	if g.starting.Load() {
		g.started()
	}
}

// started ends the careful start of a store, unless trouble made a window
// of its own meanwhile.
func (g *guard) started() {
	if g.starting.CompareAndSwap(true, false) {
		g.until.CompareAndSwap(g.startUntil, 0)
	}
}

// add counts a new flight and reports whether it may start: not once the
// store is closed, nor beyond maxFlights.
func (g *guard) add() bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed || g.n.Add(1) > maxFlights {
		if !g.closed {
			g.n.Add(-1)
		}
		return false
	}
	g.flights.Add(1)
	return true
}

// done uncounts a flight that has ended.
func (g *guard) done() {
	g.n.Add(-1)
	g.flights.Done()
}

// close refuses new flights and waits for those running.
func (g *guard) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.flights.Wait()
}

// handOff returns what call returns, run on a goroutine of the store, or
// ok == false as soon as ctx ends first: call goes on alone and its result
// is dropped. With no goroutine to spare (the store is closed, or
// maxFlights run) it runs call on the caller's goroutine.
func handOff[R any](s *Store, ctx context.Context, call func() R) (r R, ok bool) {
	if !s.guard.add() {
		return call(), true
	}
	done := make(chan R, 1)
	go func() {
		defer s.guard.done()
		done <- call()
	}()
	select {
	case r = <-done:
		return r, true
	case <-ctx.Done():
		return r, false
	}
}

// guarded reports whether a call with ctx is to be handed off: ctx can
// end, and the store is careful.
func (s *Store) guarded(ctx context.Context) bool {
	return ctx.Done() != nil && s.guard.careful()
}

// direct reports whether a call with ctx is sent at once on the caller's
// goroutine: the store is open, ctx has not ended, and it cannot end or
// the store is not careful. Then Get and do call rueidis themselves
// rather than through send: a call waits for its reply in rueidis, below
// the frames of its callers, which have gone cold in the processor's
// caches by the time the reply comes, and each costs its return then. On
// 64 goroutines in parallel, a Get with three frames fewer (Get, do and
// send down to one) took 2-3 % less time.
func (s *Store) direct(ctx context.Context) bool {
	return !s.closed.Load() && (ctx.Done() == nil || !s.guard.careful() && ctxerr.Err(ctx) == nil)
}

// send sends cmd on c once (see do).
func (s *Store) send(ctx context.Context, c rd.Client, cmd rd.Completed) rd.RedisResult {
	if err := ctxerr.Err(ctx); err != nil {
		return rd.NewErrorResult(err)
	}
	if !s.guarded(ctx) {
		res := c.Do(ctx, cmd)
		s.guard.observe(ctx, res.NonRedisError())
		return res
	}
	res, ok := handOff(s, ctx, func() rd.RedisResult {
		res := c.Do(ctx, cmd)
		s.guard.observe(ctx, res.NonRedisError())
		return res
	})
	if !ok {
		return rd.NewErrorResult(ctxerr.Err(ctx))
	}
	return res
}

// sendScript runs script once (see exec).
func (s *Store) sendScript(ctx context.Context, script *rd.Lua, keys, args []string) rd.RedisResult {
	if err := ctxerr.Err(ctx); err != nil {
		return rd.NewErrorResult(err)
	}
	if !s.guarded(ctx) {
		res := script.Exec(ctx, s.client, keys, args)
		s.guard.observe(ctx, res.NonRedisError())
		return res
	}
	res, ok := handOff(s, ctx, func() rd.RedisResult {
		res := script.Exec(ctx, s.client, keys, args)
		s.guard.observe(ctx, res.NonRedisError())
		return res
	})
	if !ok {
		return rd.NewErrorResult(ctxerr.Err(ctx))
	}
	return res
}

// sendMulti sends cmds once, as one pipeline (see doMulti).
func (s *Store) sendMulti(ctx context.Context, cmds rd.Commands) []rd.RedisResult {
	if err := ctxerr.Err(ctx); err != nil {
		return errorResults(len(cmds), err)
	}
	if !s.guarded(ctx) {
		results := s.client.DoMulti(ctx, cmds...)
		s.guard.observe(ctx, firstNonRedisError(results))
		return results
	}
	results, ok := handOff(s, ctx, func() []rd.RedisResult {
		results := s.client.DoMulti(ctx, cmds...)
		s.guard.observe(ctx, firstNonRedisError(results))
		return results
	})
	if !ok {
		return errorResults(len(cmds), ctxerr.Err(ctx))
	}
	return results
}

// sendCache reads the cacheable cmd once (see doCache).
func (s *Store) sendCache(ctx context.Context, cmd rd.Cacheable) rd.RedisResult {
	if err := ctxerr.Err(ctx); err != nil {
		return rd.NewErrorResult(err)
	}
	if !s.guarded(ctx) {
		res := s.client.DoCache(ctx, cmd, s.opts.ClientSideCache)
		s.guard.observe(ctx, res.NonRedisError())
		return res
	}
	res, ok := handOff(s, ctx, func() rd.RedisResult {
		res := s.client.DoCache(ctx, cmd, s.opts.ClientSideCache)
		s.guard.observe(ctx, res.NonRedisError())
		return res
	})
	if !ok {
		return rd.NewErrorResult(ctxerr.Err(ctx))
	}
	return res
}

// sendMultiCache reads the cacheable cmds once (see multiGetCached).
func (s *Store) sendMultiCache(ctx context.Context, cmds []rd.CacheableTTL) []rd.RedisResult {
	if err := ctxerr.Err(ctx); err != nil {
		return errorResults(len(cmds), err)
	}
	if !s.guarded(ctx) {
		results := s.client.DoMultiCache(ctx, cmds...)
		s.guard.observe(ctx, firstNonRedisError(results))
		return results
	}
	results, ok := handOff(s, ctx, func() []rd.RedisResult {
		results := s.client.DoMultiCache(ctx, cmds...)
		s.guard.observe(ctx, firstNonRedisError(results))
		return results
	})
	if !ok {
		return errorResults(len(cmds), ctxerr.Err(ctx))
	}
	return results
}

// errorResults returns n results of err.
func errorResults(n int, err error) []rd.RedisResult {
	results := make([]rd.RedisResult, n)
	for i := range results {
		results[i] = rd.NewErrorResult(err)
	}
	return results
}
