package rueidis

import (
	"context"
	"errors"
	"fmt"
	"sync"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
)

// WatchRelease starts watching key for a release: a successful
// CompareAndDelete of key by any Store on the same Redis deployment and
// Options.ReleaseChannel, in this process or another. Such a release after
// WatchRelease returns closes the returned channel within about a round
// trip. The channel may also be closed by a release that happened shortly
// before WatchRelease returned, whose message was still on its way (a
// publish is delivered asynchronously): a wake-up means "the key may have
// been released", and a caller that waits for one particular holder checks
// the key again after each wake-up (lock.Red compares the holder's token). stop ends the watch and frees what it used; it is safe to call
// more than once and must be called even after the channel is closed.
//
// The wake-up is pushed, not polled: CompareAndDelete PUBLISHes the key on
// the release channel in the same script that deletes it, and each Store
// holds one SUBSCRIBE to that channel, opened by its first WatchRelease and
// kept until Close. Each message is dispatched to the watchers of its key
// in this Store; keys without watchers cost a map lookup. This wakes
// waiters in about a round trip, with no traffic while nothing is released,
// and without the per-key server state of client-side caching
// invalidations. WatchRelease returns only once the server has confirmed
// the subscription, so a release right after it is heard; if the
// subscription cannot be made, it returns the error. On a Cluster, PUBLISH
// of a classic channel reaches the subscribers of every node, so one
// subscription on any node hears the releases of all of them.
//
// A dropped subscription is restored with backoff. Releases during the gap
// are lost, but once it is back, the watchers of keys that are gone by then
// are woken. Lost messages and entries that simply expire are left to the
// lock's own lease timer, which remains the fallback.
func (s *Store) WatchRelease(ctx context.Context, key string) (<-chan struct{}, func(), error) {
	if s.closed.Load() {
		return nil, nil, cache.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	ch, stop, try, err := s.hub.watch(key)
	if err != nil {
		return nil, nil, err
	}
	select {
	case <-try.ready:
		return ch, stop, nil
	case <-try.failed:
		stop()
		if s.closed.Load() {
			return nil, nil, cache.ErrClosed
		}
		return nil, nil, fmt.Errorf("rueidis: watch release of %q: %w", key, try.err)
	case <-ctx.Done():
		stop()
		return nil, nil, ctx.Err()
	case <-s.hub.done:
		stop()
		return nil, nil, cache.ErrClosed
	}
}

// releaseHub owns a Store's subscription to the release channel and the
// watchers that it wakes.
type releaseHub struct {
	client  rd.Client
	channel string
	ctx     context.Context // ends the subscription; cancelled by close
	cancel  context.CancelFunc
	done    chan struct{}  // closed by close once the goroutines have ended
	wg      sync.WaitGroup // the goroutines of the subscription
	recheck chan struct{}  // a restored subscription asks for a check of the watched keys

	mu        sync.Mutex // guards the fields below
	started   bool       // the goroutines run (or ran)
	closed    bool
	confirmed bool     // some attempt has been confirmed: the next one restores
	try       *attempt // the current attempt to subscribe
	watchers  map[string]map[chan struct{}]struct{}
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

func newReleaseHub(client rd.Client, channel string) *releaseHub {
	ctx, cancel := context.WithCancel(context.Background())
	return &releaseHub{
		client:   client,
		channel:  channel,
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
		recheck:  make(chan struct{}, 1),
		try:      newAttempt(),
		watchers: make(map[string]map[chan struct{}]struct{}),
	}
}

// watch registers a watcher of key, starting the subscription if this is
// the first, and returns its channel, its stop and the attempt whose
// confirmation it waits for. The watcher is registered first so that no
// message after the confirmation can miss it.
func (h *releaseHub) watch(key string) (chan struct{}, func(), *attempt, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, nil, cache.ErrClosed
	}
	if !h.started {
		h.started = true
		h.wg.Add(2)
		go h.subscribe()
		go h.checkRestored()
	}
	ch := make(chan struct{})
	set := h.watchers[key]
	if set == nil {
		set = make(map[chan struct{}]struct{})
		h.watchers[key] = set
	}
	set[ch] = struct{}{}
	var once sync.Once
	stop := func() { once.Do(func() { h.unwatch(key, ch) }) }
	return ch, stop, h.try, nil
}

// unwatch removes a watcher, and the key's entry with its last watcher.
func (h *releaseHub) unwatch(key string, ch chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set, ok := h.watchers[key]; ok {
		delete(set, ch)
		if len(set) == 0 {
			delete(h.watchers, key)
		}
	}
}

// release wakes and forgets every watcher of key.
func (h *releaseHub) release(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.watchers[key] {
		close(ch)
	}
	delete(h.watchers, key)
}

// watched returns the keys that have watchers.
func (h *releaseHub) watched() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make([]string, 0, len(h.watchers))
	for key := range h.watchers {
		keys = append(keys, key)
	}
	return keys
}

// close ends the subscription and waits for its goroutines to return.
// Watchers are not woken: nothing was released.
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
