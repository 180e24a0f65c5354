package loader

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/cachekit/cachekit/internal/writeseq"
)

// tableShards is the number of shards of a table: enough that callers of
// different keys on two cores seldom wait for each other's lock.
const tableShards = 32

// A table holds the calls under way in this process, one per backend key:
// the work that the callers of a key share (a read, a load, a refresh), as
// singleflight does. The Loader has one table per kind of work.
type table[T any] struct {
	seed   maphash.Seed
	bg     *background // the Loader's goroutines
	shards [tableShards]tableShard[T]
}

type tableShard[T any] struct {
	mu sync.Mutex // guards m and the waiters of its calls
	m  map[string]*call[T]
}

// A call is one piece of work on one key, shared by every caller that
// wants the key while it runs.
type call[T any] struct {
	done chan struct{} // closed when res and panic are set
	res  T
	// panic is what the work panicked with, re-raised in the caller that
	// started it (errGoexit if it called runtime.Goexit).
	panic any
	// ctx is the work's context: the values of the caller that started
	// it, cancelled when no caller waits any more (or by Loader.Close),
	// never by one impatient caller.
	ctx    context.Context
	cancel context.CancelFunc
	// waiters counts the callers waiting; guarded by the shard's mu.
	waiters int
	// detached work goes on when no caller waits (a stale value's
	// reload, a refresh); guarded by the shard's mu. Loader.Close still
	// cancels it: unhook forgets that.
	detached bool
	unhook   func() bool
	finished bool // guarded by the shard's mu
	// stale: a caller with a stale value waits for this load; staleServed:
	// one of them was served it instead of the load's (see Loader.load).
	stale, staleServed atomic.Bool
	// sent marks the writes of the key when the work began: a read may be
	// shared only with callers for which no write of its key returned
	// since (see join).
	sent writeseq.Mark
}

func newTable[T any](bg *background) *table[T] {
	return &table[T]{seed: maphash.MakeSeed(), bg: bg}
}

// background counts the goroutines of a Loader's calls, so that Close
// can wait for them.
type background struct {
	mu     sync.RWMutex // guards closed against wg.Add after Close's Wait
	closed bool
	wg     sync.WaitGroup
}

// add counts a goroutine about to start, unless the Loader is closed:
// then the goroutine is its waiters' alone, and done must not be called.
func (b *background) add() (counted bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	return true
}

// close stops counting and waits for the goroutines counted.
func (b *background) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.wg.Wait()
}

func (t *table[T]) shard(k string) *tableShard[T] {
	return &t.shards[maphash.String(t.seed, k)%tableShards]
}

// join returns the call under way for k, counting the caller as its
// waiter, or, if there is none (or fresh is set and a write of k returned
// since the call began), a new one that the caller must start with run
// (lead == true). A new call's context keeps ctx's values but not its
// cancellation.
func (t *table[T]) join(ctx context.Context, k string, fresh bool) (c *call[T], lead bool) {
	sh := t.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c = sh.m[k]; c != nil && (!fresh || c.sent.Unchanged()) {
		c.waiters++
		return c, false
	}
	c = &call[T]{done: make(chan struct{}), waiters: 1}
	if fresh {
		c.sent = writeseq.Now(k)
	}
	c.ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if sh.m == nil {
		sh.m = make(map[string]*call[T])
	}
	sh.m[k] = c
	return c, true
}

// try starts a detached call for k unless one is under way: lead reports
// whether the caller must start it with run. Nobody waits for it.
func (t *table[T]) try(ctx context.Context, k string, stop context.Context) (c *call[T], lead bool) {
	sh := t.shard(k)
	sh.mu.Lock()
	busy := sh.m[k] != nil
	sh.mu.Unlock()
	if busy {
		return nil, false
	}
	c, lead = t.join(ctx, k, false)
	if lead {
		t.detach(k, c, stop)
	}
	t.leave(k, c)
	return c, lead
}

// run runs work for the call c of k on a goroutine of its own, and then
// finishes c: it records the result, forgets c (also if work panics or
// calls runtime.Goexit) and wakes c's waiters; then it runs after, if work
// returned one (the release of a lock, which the waiters need not wait
// for).
func (t *table[T]) run(k string, c *call[T], work func(ctx context.Context) (T, func())) {
	counted := t.bg.add()
	go func() {
		if counted {
			defer t.bg.wg.Done()
		}
		var (
			res      T
			after    func()
			returned bool
		)
		defer func() {
			var p any
			if !returned {
				if p = recover(); p == nil {
					p = errGoexit
				}
			}
			t.finish(k, c, res, p)
			if after != nil {
				after()
			}
		}()
		res, after = work(c.ctx)
		returned = true
	}()
}

// finish records the outcome of c, forgets it and wakes its waiters.
func (t *table[T]) finish(k string, c *call[T], res T, panicked any) {
	sh := t.shard(k)
	sh.mu.Lock()
	if sh.m[k] == c {
		delete(sh.m, k)
	}
	c.finished = true
	unhook := c.unhook
	sh.mu.Unlock()
	c.res, c.panic = res, panicked
	c.cancel()
	if unhook != nil {
		unhook()
	}
	close(c.done)
}

// detach makes c go on when no caller waits any more, until stop ends
// (Loader.Close).
func (t *table[T]) detach(k string, c *call[T], stop context.Context) {
	sh := t.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if !c.detached && !c.finished {
		c.detached = true
		c.unhook = context.AfterFunc(stop, c.cancel)
	}
}

// leave uncounts a waiter that no longer waits. When nobody waits any more
// for a call that is not detached, its context is cancelled and the call
// forgotten: a caller that comes later starts a new one.
func (t *table[T]) leave(k string, c *call[T]) {
	sh := t.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c.waiters--; c.waiters == 0 && !c.detached {
		c.cancel()
		if sh.m[k] == c {
			delete(sh.m, k)
		}
	}
}

// wait waits for c, or for ctx (then the caller leaves c), and reports
// whether c is done.
func (t *table[T]) wait(ctx context.Context, k string, c *call[T]) bool {
	select {
	case <-c.done:
		t.leave(k, c)
		return true
	case <-ctx.Done():
		t.leave(k, c)
		return false
	}
}

// len returns the number of calls under way (tests watch it).
func (t *table[T]) len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
