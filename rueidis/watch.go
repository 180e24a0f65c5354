package rueidis

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
	"github.com/cachekit/cachekit/internal/leasewait"
)

// Watch registers for a change of key: a write, a delete, a flush, by any
// client of the Redis deployment (another Store, aiocache, redis-cli),
// and this store's own deletes. The returned channel is closed within
// about a round trip of such a change. A wake-up means "the key may have
// changed": a caller that waits for one holder of a lock reads the key
// again after each (lock.Red does). stop ends the watch; it must be
// called, also after the channel was closed, and calling it again does
// nothing. Close wakes every watch.
//
// The store is told of changes by Redis itself: RESP3 client-side-caching
// invalidation, as rueidislock does. It keeps one connection per Redis
// node, taken from the client's pool of dedicated connections
// (Client.Dedicate), with CLIENT TRACKING on, and reads key on it (EXISTS)
// after registering the watch: Redis then sends that connection an
// invalidation at the next change of key, whoever makes it, and the store
// wakes the key's watches. On a Cluster the node of a key is learnt from
// the MOVED reply of the node first asked. Expiry is not announced by
// Redis in time to count on: a waiter sets its own timer to the holder's
// remaining TTL (GetTTL).
//
// Where tracking cannot be had (a server or client without RESP3, a node
// that does not answer) a watch falls back to polling: its channel is
// closed after PollInterval, and the caller's next read is the poll.
func (s *Store) Watch(ctx context.Context, key string) (<-chan struct{}, func(), error) {
	const op = "watch"
	if s.closed.Load() {
		return nil, nil, opError(op, key, cache.ErrClosed)
	}
	if err := ctxerr.Err(ctx); err != nil {
		return nil, nil, err
	}
	// Register first: a change after the tracked read then closes ch.
	ch, stop := s.waiters.Wait(key)
	switch err := s.track(ctx, key); {
	case err == nil:
		return ch, stop, nil
	case ctxerr.Err(ctx) != nil:
		stop()
		return nil, nil, ctxerr.Err(ctx)
	case s.closed.Load():
		stop()
		return nil, nil, opError(op, key, cache.ErrClosed)
	}
	stop()
	return cache.PollWatcher(s.opts.PollInterval).Watch(ctx, key)
}

// track tracks key (see tracking.track), from a goroutine of the store
// while it is careful, as send sends a command.
func (s *Store) track(ctx context.Context, key string) error {
	if !s.guarded(ctx) {
		return s.tracking.track(ctx, key)
	}
	err, ok := handOff(s, ctx, func() error { return s.tracking.track(ctx, key) })
	if !ok {
		return ctxerr.Err(ctx)
	}
	return err
}

// tracking owns the connections on which a Store tracks the keys it
// watches, one per Redis node, and wakes the Store's watches from their
// invalidations.
type tracking struct {
	client  rd.Client
	waiters *leasewait.Table
	wg      sync.WaitGroup // the goroutines that watch the connections

	mu     sync.Mutex // guards the fields below
	closed bool
	conns  map[string]*trackConn // by node address; "" for a standalone server
	owners map[uint16]string     // Cluster: the node of each slot, as learnt from MOVED
	resp2  bool                  // the client speaks RESP2: no tracking, ever
}

// trackConn is one dedicated connection with CLIENT TRACKING on.
type trackConn struct {
	addr   string
	dc     rd.DedicatedClient
	cancel func() // returns the connection to the pool
}

func newTracking(client rd.Client, waiters *leasewait.Table) *tracking {
	return &tracking{client: client, waiters: waiters, conns: map[string]*trackConn{}, owners: map[uint16]string{}}
}

// Errors of track.
var (
	errTrackingClosed = errors.New("tracking is closed")
	errNoRESP3        = errors.New("rueidis: watch: the connection does not speak RESP3, so Redis cannot push invalidations")
)

// maxMoved bounds the MOVED replies followed by one track.
const maxMoved = 3

// track reads key on the tracked connection of its node, so that Redis
// tells that connection of the key's next change.
func (t *tracking) track(ctx context.Context, key string) error {
	addr := t.ownerOf(key)
	for range maxMoved {
		c, err := t.conn(ctx, addr)
		if err != nil {
			return err
		}
		err = c.dc.Do(ctx, readCmd(c.dc.B(), "EXISTS", []string{key})).Error()
		rerr, isRedis := rd.IsRedisErr(err)
		if !isRedis {
			if err != nil {
				t.drop(c) // a broken connection: the next track makes a new one
			}
			return err
		}
		moved, ok := rerr.IsMoved()
		if !ok {
			return err
		}
		t.learn(key, moved)
		addr = moved
	}
	return errors.New("rueidis: watch: too many MOVED replies")
}

// ownerOf returns the address of the node to ask first about key: "" on a
// standalone server, else the node last learnt for its slot, or any node.
func (t *tracking) ownerOf(key string) string {
	if t.client.Mode() != rd.ClientModeCluster {
		return ""
	}
	t.mu.Lock()
	addr, ok := t.owners[keySlot(key)]
	t.mu.Unlock()
	if ok {
		return addr
	}
	for addr := range t.client.Nodes() {
		return addr
	}
	return ""
}

// learn records that the slot of key lives on addr.
func (t *tracking) learn(key, addr string) {
	t.mu.Lock()
	t.owners[keySlot(key)] = addr
	t.mu.Unlock()
}

// conn returns the tracked connection to addr, making it if needed.
func (t *tracking) conn(ctx context.Context, addr string) (*trackConn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errTrackingClosed
	}
	if t.resp2 {
		return nil, errNoRESP3
	}
	if c := t.conns[addr]; c != nil {
		return c, nil
	}
	client := t.client
	if addr != "" {
		node, ok := t.client.Nodes()[addr]
		if !ok {
			return nil, errors.New("rueidis: watch: unknown node " + addr)
		}
		client = node
	}
	dc, cancel := client.Dedicate()
	c := &trackConn{addr: addr, dc: dc, cancel: cancel}
	errc := dc.SetOnInvalidations(t.invalidated)
	// rueidis' own client-side caching may have turned tracking on in
	// OPTIN mode; this connection tracks every key it reads. Redis accepts
	// tracking on a RESP2 connection too, but could only send its
	// invalidations elsewhere (REDIRECT): CLIENT INFO tells.
	results := dc.DoMulti(ctx, dc.B().ClientTracking().Off().Build(), dc.B().ClientTracking().On().Build(), dc.B().ClientInfo().Build())
	for _, r := range results {
		if err := r.Error(); err != nil {
			cancel()
			return nil, err
		}
	}
	if info, _ := results[2].ToString(); !strings.Contains(info, " resp=3") {
		cancel()
		t.resp2 = true
		return nil, errNoRESP3
	}
	t.conns[addr] = c
	t.wg.Add(1)
	go t.watchConn(c, errc)
	return c, nil
}

// invalidated wakes the watches of the keys Redis says changed, or of
// every key for a flush (nil).
func (t *tracking) invalidated(keys []rd.RedisMessage) {
	if keys == nil {
		t.waiters.WakeAll()
		return
	}
	for _, k := range keys {
		if key, err := k.ToString(); err == nil {
			t.waiters.Wake(key)
		}
	}
}

// watchConn waits until c can no longer deliver invalidations (it broke,
// or close returned it) and then forgets it and wakes every watch, which
// tracks its key again on a new connection: changes meanwhile were missed.
func (t *tracking) watchConn(c *trackConn, errc <-chan error) {
	defer t.wg.Done()
	<-errc
	t.drop(c)
	t.waiters.WakeAll()
}

// drop forgets c and returns it to the pool.
func (t *tracking) drop(c *trackConn) {
	t.mu.Lock()
	if t.conns[c.addr] == c {
		delete(t.conns, c.addr)
	}
	t.mu.Unlock()
	c.cancel()
}

// close returns every connection and waits for their watchers.
func (t *tracking) close() {
	t.mu.Lock()
	t.closed = true
	conns := t.conns
	t.conns = map[string]*trackConn{}
	t.mu.Unlock()
	for _, c := range conns {
		c.dc.Close()
		c.cancel()
	}
	t.wg.Wait()
}

// GetTTL returns the value of key, the time it has left (PTTL; 0 for no
// expiry) and whether it was found: GET and PTTL in one round trip.
func (s *Store) GetTTL(ctx context.Context, key string) ([]byte, time.Duration, bool, error) {
	const op = "get-ttl"
	results, err := s.doMulti(ctx, op, key, again, func() rd.Commands {
		b := s.client.B()
		return rd.Commands{readCmd(b, "GET", []string{key}), readCmd(b, "PTTL", []string{key})}
	})
	if err != nil {
		return nil, 0, false, err
	}
	msg, err := reply(ctx, op, key, results[0])
	switch {
	case rd.IsRedisNil(err):
		return nil, 0, false, nil
	case err != nil:
		return nil, 0, false, err
	}
	val, err := hitBytes(&msg)
	if err != nil {
		return nil, 0, false, wrap(ctx, op, key, err)
	}
	ms, err := results[1].AsInt64()
	if err != nil {
		return nil, 0, false, wrap(ctx, op, key, err)
	}
	var ttl time.Duration
	if ms > 0 {
		ttl = time.Duration(ms) * time.Millisecond
	}
	return val, ttl, true, nil
}
