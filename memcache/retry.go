package memcache

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/internal/ctxerr"
)

// A connection to memcached can drop at any time: a server restart, a
// proxy or firewall closing idle connections, a network reset. gomemcache
// then returns the network's error for the call that used it (io.EOF when
// the server had closed it, ECONNRESET or EPIPE when it was reset) and
// closes that connection, but keeps its other idle connections, which
// have usually dropped too. The store closes them (see dropped), and sends
// a call that is safe to send twice once more, on a fresh connection:
// reads, set, delete, flush_all, the set of a namespace's new generation,
// and the read-and-cas of CompareAndDelete, CompareAndExpire and Expire.
// A call that is not (Add, CompareAndSwap, Increment's incr, cas and add)
// returns the error: its write may have landed before the reply was lost.
// A server's answer (a miss, NOT_STORED, EXISTS, SERVER_ERROR) and a
// timeout are never retried: the server is there, or may still answer.

// isDrop reports whether err says that the connection dropped before the
// reply came, rather than that the server answered (gomemcache's own
// errors) or was too slow (a timeout).
func isDrop(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed)
}

// dropped closes the client's idle connections after a call failed on a
// dropped one, so that the next call, and a retry, dial afresh. A client
// stays usable after Close, which closes only idle connections.
func (s *Store) dropped() { _ = s.client.Close() }

// again reports whether a call that failed with err, and is safe to send
// twice, should be sent once more: err says the connection dropped (see
// isDrop; the idle connections are then closed) and ctx has not ended.
func (s *Store) again(ctx context.Context, err error) bool {
	if err == nil || !isDrop(err) {
		return false
	}
	s.dropped()
	return ctxerr.Err(ctx) == nil
}

// once returns err of a call that is not safe to send twice, closing the
// client's idle connections if it failed on a dropped one.
func (s *Store) once(err error) error {
	if err != nil && isDrop(err) {
		s.dropped()
	}
	return err
}

// get reads the memcached key mkey (gomemcache's ErrCacheMiss for a miss),
// again once if the connection dropped.
func (s *Store) get(ctx context.Context, mkey string) (*gm.Item, error) {
	it, err := s.client.Get(mkey)
	if err != nil && s.again(ctx, err) {
		it, err = s.client.Get(mkey)
	}
	return it, err
}

// getMulti reads the memcached keys mkeys, again once if a connection
// dropped.
func (s *Store) getMulti(ctx context.Context, mkeys []string) (map[string]*gm.Item, error) {
	items, err := s.client.GetMulti(mkeys)
	if err != nil && s.again(ctx, err) {
		items, err = s.client.GetMulti(mkeys)
	}
	return items, err
}

// setItem writes item with set, again once if the connection dropped: a
// set of the same bytes twice leaves what one does.
func (s *Store) setItem(ctx context.Context, item *gm.Item) error {
	err := s.client.Set(item)
	if err != nil && s.again(ctx, err) {
		err = s.client.Set(item)
	}
	return err
}

// deleteKey deletes the memcached key mkey, again once if the connection
// dropped. A delete whose reply was lost and that is sent again finds the
// key gone: ErrCacheMiss.
func (s *Store) deleteKey(ctx context.Context, mkey string) error {
	err := s.client.Delete(mkey)
	if err != nil && s.again(ctx, err) {
		err = s.client.Delete(mkey)
	}
	return err
}

// flushAll flushes every server of the client, again once if a
// connection dropped.
func (s *Store) flushAll(ctx context.Context) error {
	err := s.client.FlushAll()
	if err != nil && s.again(ctx, err) {
		err = s.client.FlushAll()
	}
	return err
}
