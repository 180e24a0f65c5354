package loader

import (
	"context"
	"sync"
)

// A group is the flights of the keys being loaded in this process.
type group[V any] struct {
	mu sync.Mutex // guards m and every flight's waiters
	m  map[string]*flight[V]
}

// A flight is one load of one key, shared by every caller that wants the
// key while it runs.
type flight[V any] struct {
	done    chan struct{} // closed when val, err and panic are set
	val     V
	err     error
	panic   any // fn's panic, re-raised in the caller that started the flight
	ctx     context.Context
	cancel  context.CancelFunc
	waiters int // callers waiting for it; guarded by group.mu
}

// join returns the flight of key, making one if none runs (lead == true:
// the caller starts it, with ctx's values but not its cancellation), and
// counts the caller as a waiter.
func (g *group[V]) join(ctx context.Context, key string) (f *flight[V], lead bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f = g.m[key]; f == nil {
		if g.m == nil {
			g.m = make(map[string]*flight[V])
		}
		f = &flight[V]{done: make(chan struct{})}
		f.ctx, f.cancel = context.WithCancel(context.WithoutCancel(ctx))
		g.m[key] = f
		lead = true
	}
	f.waiters++
	return f, lead
}

// leave uncounts a waiter that gave up. When nobody waits any more, the
// flight's context is cancelled and the flight forgotten: a caller that
// comes later starts a new one.
func (g *group[V]) leave(key string, f *flight[V]) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f.waiters--; f.waiters == 0 {
		f.cancel()
		if g.m[key] == f {
			delete(g.m, key)
		}
	}
}

// finish records the result of f and wakes its waiters.
func (g *group[V]) finish(key string, f *flight[V], val V, err error, panicked any) {
	g.mu.Lock()
	if g.m[key] == f {
		delete(g.m, key)
	}
	g.mu.Unlock()
	f.val, f.err, f.panic = val, err, panicked
	f.cancel()
	close(f.done)
}

// wait waits for f, or for ctx: then the caller leaves f.
func (g *group[V]) wait(ctx context.Context, key string, f *flight[V]) (done bool) {
	select {
	case <-f.done:
		return true
	case <-ctx.Done():
		g.leave(key, f)
		return false
	}
}
