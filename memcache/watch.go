package memcache

import (
	"context"
	"sync"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// Watch registers for a change of key: this store's own writes and deletes
// of key wake the watch at once, and a poll every Options.PollInterval
// (10ms by default) wakes it when it finds no entry or an entry with
// another CAS id than the poll before, which happens promptly after key is
// deleted (by CompareAndDelete or Delete of any client), expires, or is
// written by anyone. A wake-up is a hint: the caller reads key again.
//
// ctx bounds the start of the watch only: a watch runs until stop or
// Close. Watches of the same key share one polling goroutine, owned by the
// store. stop ends the watch and, if it was the last of its key, stops
// that goroutine and waits for it; it must be called even after the
// channel is closed, and calling it again does nothing. Close stops every
// poller and wakes every watch.
func (s *Store) Watch(ctx context.Context, key string) (<-chan struct{}, func(), error) {
	const op = "watch"
	if err := s.begin(ctx, op, key); err != nil {
		return nil, nil, err
	}
	ch, done := s.waiters.Wait(key)
	p, err := s.watches.join(s, key)
	if err != nil {
		done()
		return nil, nil, opError(op, key, err)
	}
	return ch, sync.OnceFunc(func() {
		done()
		s.watches.leave(p)
	}), nil
}

// watches are the pollers of Watch: one goroutine per watched key, shared
// by every watch of that key.
type watches struct {
	mu      sync.Mutex // guards pollers, closed and every poller's n
	pollers map[string]*poller
	closed  bool
	wg      sync.WaitGroup // counts running pollers
}

// poller polls one key, waking its watches whenever the key is absent,
// until its last watch leaves.
type poller struct {
	key    string
	n      int // watches of key; guarded by watches.mu
	cancel context.CancelFunc
	done   chan struct{} // closed when the goroutine has ended
}

// join counts a watch of key on s, starting its poller if it is the first.
func (w *watches) join(s *Store, key string) (*poller, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, cache.ErrClosed
	}
	if w.pollers == nil {
		w.pollers = make(map[string]*poller)
	}
	p := w.pollers[key]
	if p == nil {
		ctx, cancel := context.WithCancel(context.Background())
		p = &poller{key: key, cancel: cancel, done: make(chan struct{})}
		w.pollers[key] = p
		w.wg.Add(1)
		go s.poll(ctx, p)
	}
	p.n++
	return p, nil
}

// leave uncounts a watch of p, stopping p and waiting for it if it was the
// last.
func (w *watches) leave(p *poller) {
	w.mu.Lock()
	p.n--
	last := p.n == 0 && w.pollers[p.key] == p
	if last {
		delete(w.pollers, p.key)
		p.cancel()
	}
	w.mu.Unlock()
	if last {
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

// poll is the goroutine of p: it reads p.key every interval until ctx is
// cancelled, and wakes the watches of the key when it finds no entry, or
// an entry with another CAS id than the read before (a write in between,
// however quick: a release and a new holder within one interval). Errors
// (a server away for a moment) are retried.
func (s *Store) poll(ctx context.Context, p *poller) {
	defer s.watches.wg.Done()
	defer close(p.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last uint64 // CAS id of the previous read; 0 for none
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if _, it, err := s.lookup(ctx, "watch", p.key); err == nil {
			switch {
			case it == nil:
				last = 0
				s.waiters.Wake(p.key)
			case it.CasID != last:
				if last != 0 {
					s.waiters.Wake(p.key)
				}
				last = it.CasID
			}
		}
		timer.Reset(s.pollInterval)
	}
}
