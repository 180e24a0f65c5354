package rueidis

import (
	"context"
	"errors"
	"fmt"
	"sync"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
	"github.com/cachekit/cachekit/internal/leasewait"
)

// Watch registers for a change of key: its deletion by this store (Delete,
// CompareAndDelete, Clear) wakes the watch at once, and a CompareAndDelete
// of key by any Store on the same Redis deployment and
// Options.ReleaseChannel, in this process or another, within about a round
// trip. A wake-up means "the key may have changed": a caller that waits for
// one holder of a lock reads the key again after each (cache.Lease does).
// stop ends the watch; it must be called, also after the channel was
// closed, and calling it again does nothing.
//
// Other stores' releases are pushed, not polled: CompareAndDelete
// PUBLISHes the key on the release channel in the same script that deletes
// it, and each Store holds one SUBSCRIBE to that channel, opened by its
// first Watch and kept until Close. Each message wakes the watches of its
// key in this Store; keys without watches cost a lookup. Watch returns only
// once the server has confirmed the subscription, so a release right after
// it is heard; if the subscription cannot be made, it returns the error.
// On a Cluster, PUBLISH of a classic channel reaches the subscribers of
// every node, so one subscription on any node hears the releases of all.
//
// A dropped subscription is restored with backoff. Releases during the gap
// are lost, so once it is back every watch is woken to read its key again.
// Entries that simply expire, or are deleted by other clients without the
// script, are left to the waiter's own timer.
func (s *Store) Watch(ctx context.Context, key string) (<-chan struct{}, func(), error) {
	const op = "watch"
	if s.closed.Load() {
		return nil, nil, opError(op, key, cache.ErrClosed)
	}
	if err := ctxerr.Err(ctx); err != nil {
		return nil, nil, err
	}
	// Register before the subscription is confirmed, so that no message
	// after the confirmation can miss the watch.
	ch, stop := s.waiters.Wait(key)
	try, err := s.hub.start()
	if err != nil {
		stop()
		return nil, nil, opError(op, key, err)
	}
	select {
	case <-try.ready:
		return ch, stop, nil
	case <-try.failed:
		stop()
		if s.closed.Load() {
			return nil, nil, opError(op, key, cache.ErrClosed)
		}
		return nil, nil, opError(op, key, fmt.Errorf("subscribe to %q: %w", s.opts.ReleaseChannel, try.err))
	case <-ctx.Done():
		stop()
		return nil, nil, ctx.Err()
	case <-s.hub.done:
		stop()
		return nil, nil, opError(op, key, cache.ErrClosed)
	}
}

// releaseHub owns a Store's subscription to the release channel, which
// wakes the Store's watches.
type releaseHub struct {
	client  rd.Client
	channel string
	waiters *leasewait.Table
	ctx     context.Context // ends the subscription; cancelled by close
	cancel  context.CancelFunc
	done    chan struct{}  // closed by close once the subscription has ended
	wg      sync.WaitGroup // the goroutine of the subscription

	mu        sync.Mutex // guards the fields below
	started   bool       // the goroutine runs (or ran)
	closed    bool
	confirmed bool     // some attempt has been confirmed: the next one restores
	try       *attempt // the current attempt to subscribe
}

// attempt is one SUBSCRIBE, from sending it until it ends.
type attempt struct {
	ready     chan struct{} // closed when the server confirms it
	failed    chan struct{} // closed, after err is set, if it ends unconfirmed
	err       error
	confirmed bool // guarded by releaseHub.mu
}

func newAttempt() *attempt {
	return &attempt{ready: make(chan struct{}), failed: make(chan struct{})}
}

func newReleaseHub(client rd.Client, channel string, waiters *leasewait.Table) *releaseHub {
	ctx, cancel := context.WithCancel(context.Background())
	return &releaseHub{
		client:  client,
		channel: channel,
		waiters: waiters,
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		try:     newAttempt(),
	}
}

// start starts the subscription if it is not running yet and returns the
// attempt whose confirmation a new watch waits for.
func (h *releaseHub) start() (*attempt, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, cache.ErrClosed
	}
	if !h.started {
		h.started = true
		h.wg.Add(1)
		go h.subscribe()
	}
	return h.try, nil
}

// close ends the subscription and waits for its goroutine to return.
func (h *releaseHub) close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	close(h.done)
}

// errSubscriptionEnded is the error of an attempt that ended unconfirmed
// without one from the client.
var errSubscriptionEnded = errors.New("subscription ended before it was confirmed")
