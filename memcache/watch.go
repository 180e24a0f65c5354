package memcache

import (
	"context"
	"sync"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// watches are the pollers of WatchRelease: one goroutine per watched key,
// shared by every watch of that key.
type watches struct {
	mu      sync.Mutex // guards pollers and closed
	pollers map[string]*poller
	closed  bool
	wg      sync.WaitGroup // counts running pollers
}

// poller polls one key until it is absent, then closes the channel of
// every watch of the key.
type poller struct {
	key    string
	cancel context.CancelFunc
	done   chan struct{} // closed when the goroutine has ended
	// subs are the channels of the watches of key; guarded by watches.mu.
	// nil once the poller has finished (the key was seen absent).
	subs map[chan struct{}]struct{}
}

func (w *watches) init() { w.pollers = make(map[string]*poller) }

// WatchRelease reports when key is absent: the returned channel is closed
// once a poll, every Options.PollInterval (10ms by default), finds no
// entry, which happens promptly after key is released (by
// CompareAndDelete or Delete of any client) or expires. The first poll is
// immediate. A release followed by a new write within one interval may go
// unseen.
//
// ctx bounds the start of the watch only: a watch runs until stop, a
// release or Close. Watches of the same key share one goroutine, owned by
// the store. stop
// ends the watch and, if it was the last of its key, stops that goroutine
// and waits for it. stop must be called even after the channel is closed;
// calling it again does nothing. Close stops every watch without closing
// its channel.
func (s *Store) WatchRelease(ctx context.Context, key string) (<-chan struct{}, func(), error) {
	const op = "watch release"
	if err := s.begin(ctx, op, key); err != nil {
		return nil, nil, err
	}
	w := &s.watches
	ch := make(chan struct{})
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, nil, opError(op, key, cache.ErrClosed)
	}
	p := w.pollers[key]
	if p == nil {
		pctx, cancel := context.WithCancel(context.Background())
		p = &poller{key: key, cancel: cancel, done: make(chan struct{}), subs: make(map[chan struct{}]struct{})}
		w.pollers[key] = p
		w.wg.Add(1)
		go s.poll(pctx, p)
	}
	p.subs[ch] = struct{}{}
	w.mu.Unlock()
	return ch, sync.OnceFunc(func() { w.unsubscribe(p, ch) }), nil
}

// unsubscribe removes the watch ch from p, stopping p if it was the last,
// and waits for p's goroutine when it is over or ending.
func (w *watches) unsubscribe(p *poller, ch chan struct{}) {
	w.mu.Lock()
	delete(p.subs, ch) // no-op on a finished poller's nil map
	ending := p.subs == nil || w.pollers[p.key] != p
	if !ending && len(p.subs) == 0 {
		delete(w.pollers, p.key)
		p.cancel()
		ending = true
	}
	w.mu.Unlock()
	if ending {
		<-p.done
	}
}

// close stops every poller and waits for them.
func (w *watches) close() {
	w.mu.Lock()
	w.closed = true
	for key, p := range w.pollers {
		p.cancel()
		delete(w.pollers, key)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// poll is the goroutine of p: it polls p.key until the key is absent or
// ctx is cancelled. Errors (a server away for a moment) are retried.
func (s *Store) poll(ctx context.Context, p *poller) {
	w := &s.watches
	defer w.wg.Done()
	defer close(p.done)
	defer p.cancel()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		_, it, err := s.lookup(ctx, "watch release", p.key)
		if err == nil && it == nil {
			w.mu.Lock()
			for ch := range p.subs {
				close(ch)
			}
			p.subs = nil
			if w.pollers[p.key] == p {
				delete(w.pollers, p.key)
			}
			w.mu.Unlock()
			return
		}
		timer.Reset(s.pollInterval)
	}
}
