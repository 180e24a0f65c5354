package memcache

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/leasewait"
)

// Options configure a Store. The zero value is ready to use.
//
// What Options cannot change is memcached's own: TTLs are whole seconds
// (a positive TTL is rounded up and one second added, so that an entry
// lives at least its TTL: a 300ms TTL lives between 1 and 2 seconds), TTLs
// over 30 days are sent as absolute Unix times, and calls are bounded by
// the client's Timeout rather than by a context. See the package
// documentation.
type Options struct {
	// PollInterval is how often a watch started by Watch asks
	// memcached whether the watched key is still there. 0 means 10ms.
	PollInterval time.Duration
	// MultiSetConcurrency is how many writes of one MultiSet are in flight
	// at once (memcached's text protocol has no multi-key write). 0 means 8;
	// 1 writes one key after the other. Keep the client's MaxIdleConns at
	// least this high, or connections are opened and closed on every call.
	MultiSetConcurrency int
	// GenerationTTL is how long a read trusts the generation of a namespace
	// (see Namespaces in the package documentation) that this store last
	// read, without reading it again: reads within that time of the last
	// check are one plain get of the key, and see a Clear of the namespace
	// by another store instance up to that late. 0 (the default) checks it
	// on every read, in the same round trip as the key (a get of two keys);
	// this store's own Clear is seen at once either way, and writes always
	// read the generation.
	GenerationTTL time.Duration
	// MaxInFlight bounds the operations of the store (and of the Stores
	// of its namespaces) in flight at once: each holds one of the client's
	// connections, and an operation beyond the bound waits for one to end,
	// no longer than its ctx allows (see Contexts in the package
	// documentation). 0 means the client's MaxIdleConns (gomemcache's
	// default of 2 if unset), and at least 8.
	MaxInFlight int
	// MaxItemSize is memcached's item size limit (its -I option), in bytes.
	// A write whose key and value would not fit in an item of that size
	// (with 96 bytes for memcached's own item header) fails with an error
	// matching cache.ErrTooLarge before anything is sent: memcached would
	// refuse it too, but only after dropping the key's earlier value. 0
	// means DefaultMaxItemSize, memcached's default.
	MaxItemSize int
}

const (
	defaultPollInterval        = 10 * time.Millisecond
	defaultMultiSetConcurrency = 8
	// DefaultMaxItemSize is memcached's default item size limit, 1 MiB.
	DefaultMaxItemSize = 1 << 20
	// maxItemOverhead is what memcached adds to a key and a value in an
	// item: a 48-byte header, the CAS id, the flags and the key's and the
	// value's terminators, 63 bytes in memcached 1.6, with room to spare.
	maxItemOverhead = 96
)

// Store is a cache.Store over memcached through a gomemcache client. It is
// safe for concurrent use. See the package documentation for how it maps
// keys, clears namespaces and rounds expiries.
type Store struct {
	*state
	// ns is the namespace of the keys of a Store that Namespace returned;
	// "" for the Store of New, whose keys are taken as they are.
	ns string
}

// Compile-time checks of the interfaces Store implements.
var (
	_ cache.Store       = (*Store)(nil)
	_ cache.MultiGetter = (*Store)(nil)
	_ cache.MultiSetter = (*Store)(nil)
	_ cache.Exister     = (*Store)(nil)
	_ cache.Incrementer = (*Store)(nil)
	_ cache.Expirer     = (*Store)(nil)
	_ cache.Watcher     = (*Store)(nil)
	_ cache.Namespacer  = (*Store)(nil)
	_ cache.TTLGetter   = (*Store)(nil)

	_ cache.MultiTTLGetter     = (*Store)(nil)
	_ cache.MultiVersionGetter = (*Store)(nil)
)

// state is what a Store and the Stores of its namespaces share.
type state struct {
	client              *gm.Client
	pollInterval        time.Duration
	multiSetConcurrency int
	maxItemSize         int
	genTTL              time.Duration

	closed atomic.Bool
	// closing is closed by Close, for the operations waiting for a slot.
	closing chan struct{}
	// spaces hold the state of the namespaces in use: the keys of their
	// generations and the generations last seen.
	spaces spaces
	// slots bound the operations in flight (see slots).
	slots slots
	// waiters are the watches of keys (Watch), woken by this store's own
	// writes and deletes at once and by the pollers of watches.
	waiters leasewait.Table
	// watches are the pollers of Watch.
	watches watches
	// running counts the operations whose ctx may end (see call).
	running tracker
	// meta reads what gomemcache cannot (see metaConns).
	meta *metaConns
}

// New returns a Store that keeps its entries in memcached through client.
// The client stays the caller's: Close does not close it. A nil client
// gives a Store whose every operation returns ErrNoClient.
func New(client *gm.Client, opts Options) *Store {
	s := &Store{state: &state{
		client:              client,
		pollInterval:        opts.PollInterval,
		multiSetConcurrency: opts.MultiSetConcurrency,
		maxItemSize:         opts.MaxItemSize,
		genTTL:              opts.GenerationTTL,
		closing:             make(chan struct{}),
	}}
	if s.maxItemSize <= 0 {
		s.maxItemSize = DefaultMaxItemSize
	}
	if s.pollInterval <= 0 {
		s.pollInterval = defaultPollInterval
	}
	if s.multiSetConcurrency <= 0 {
		s.multiSetConcurrency = defaultMultiSetConcurrency
	}
	n := opts.MaxInFlight
	if n <= 0 {
		n = gm.DefaultMaxIdleConns
		if client != nil && client.MaxIdleConns > 0 {
			n = client.MaxIdleConns
		}
		n = max(n, minSlots)
	}
	s.slots = newSlots(n, s.closing)
	if client != nil {
		s.meta = newMetaConns(client)
	}
	return s
}

// Namespace returns the Store of the keys of namespace ns, the store that a
// cache.Cache with that Namespace runs on: its keys are still full keys
// (ns + ":" + key), which it stores under the namespace's current
// generation (see the package documentation). It shares everything with
// s, Close included. A key it is given that does not start with ns + ":"
// is taken as it is.
func (s *Store) Namespace(ns string) cache.Store {
	return &Store{state: s.state, ns: ns}
}

// Close stops the watches started by Watch and waits for their goroutines
// and for the operations in flight (see Contexts in the package
// documentation) to end, and wakes the goroutines waiting on a watch, which
// find the store closed. Later operations return an error matching
// cache.ErrClosed. It does not close the client. Close is idempotent and
// always returns nil; it closes the Stores of every namespace too.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.closing)
	s.watches.close()
	s.running.close()
	s.waiters.WakeAll()
	if s.meta != nil {
		s.meta.close()
	}
	return nil
}

// Get returns the value of key. A key without a namespace costs one
// round trip.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	const op = "get"
	var it *gm.Item
	var err error
	if ctx.Done() != nil {
		it, err = call(ctx, s, op, req{key: key}, (*Store).getItem)
	} else if err = s.enter(ctx, op, key); err == nil {
		// What call does for a ctx that never ends, in this frame: a
		// call waits for memcached's reply at the bottom of its frames,
		// which have gone cold in the processor's caches by the time the
		// reply comes, and each costs its return then (two fewer: 1-2 %
		// of a parallel Get's throughput). A plain key's read is also
		// lookup's, here.
		defer s.slots.release()
		if _, _, namespaced := s.split(key); namespaced {
			_, it, err = s.lookup(ctx, op, key)
		} else {
			mkey := plainKey(key)
			it, err = s.get(ctx, mkey)
			_, it, err = s.found(ctx, op, key, mkey, it, err)
		}
	}
	if err != nil || it == nil {
		return nil, false, err
	}
	return it.Value, true, nil
}

// getItem is Get (and GetTTL), run by call: the item of r.key, nil for a
// miss.
func (s *Store) getItem(ctx context.Context, r req) (*gm.Item, error) {
	_, it, err := s.lookup(ctx, "get", r.key)
	return it, err
}

// Exists reports whether key is present. memcached has no command for it:
// it reads the entry.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	return call(ctx, s, "exists", req{key: key}, func(s *Store, ctx context.Context, r req) (bool, error) {
		_, it, err := s.lookup(ctx, "exists", r.key)
		return it != nil, err
	})
}

// Set writes val under key with ttl (see the package documentation for
// how ttl is rounded). A key without a namespace costs one round trip.
func (s *Store) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	_, err := call(ctx, s, "set", req{key: key, val: val, ttl: ttl}, func(s *Store, ctx context.Context, r req) (struct{}, error) {
		const op = "set"
		mkey, err := s.writeKey(ctx, op, r.key)
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, s.set(ctx, op, r.key, mkey, r.val, r.ttl)
	})
	return err
}

// set writes val under the memcached key mkey.
func (s *Store) set(ctx context.Context, op, key, mkey string, val []byte, ttl time.Duration) error {
	if err := s.fits(op, key, mkey, val); err != nil {
		return err
	}
	exp, flags := expiry(time.Now(), ttl)
	err := s.setItem(ctx, &gm.Item{Key: mkey, Value: val, Flags: flags, Expiration: exp})
	if err = after(ctx, err); err != nil {
		return opError(op, key, err)
	}
	s.waiters.Wake(key)
	return nil
}

// Add writes val under key only if key is absent (memcached's add) and
// reports whether it did. An add whose connection drops before its reply
// is not sent again (it may have landed): the error is returned.
func (s *Store) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	return call(ctx, s, "add", req{key: key, val: val, ttl: ttl}, func(s *Store, ctx context.Context, r req) (bool, error) {
		const op = "add"
		mkey, err := s.writeKey(ctx, op, r.key)
		if err != nil {
			return false, err
		}
		exp, flags := expiry(time.Now(), r.ttl)
		return s.add(ctx, op, r.key, &gm.Item{Key: mkey, Value: r.val, Flags: flags, Expiration: exp})
	})
}

// add stores item with memcached's add and reports whether it did (false:
// the key exists). key is the caller's key, for errors.
func (s *Store) add(ctx context.Context, op, key string, item *gm.Item) (bool, error) {
	if err := s.fits(op, key, item.Key, item.Value); err != nil {
		return false, err
	}
	err := after(ctx, s.once(s.client.Add(item)))
	switch {
	case err == nil:
		return true, nil
	case isNotStored(err):
		return false, nil
	default:
		return false, opError(op, key, err)
	}
}

// Delete removes key and reports whether it existed. A delete whose
// connection drops before its reply is sent again once; if the first one
// had landed, the second finds nothing and Delete reports false.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	return call(ctx, s, "delete", req{key: key}, func(s *Store, ctx context.Context, r req) (bool, error) {
		const op = "delete"
		mkey, err := s.existingKey(ctx, op, r.key)
		if err != nil || mkey == "" {
			return false, err
		}
		err = after(ctx, s.deleteKey(ctx, mkey))
		switch {
		case err == nil:
			s.waiters.Wake(r.key)
			return true, nil
		case isMiss(err):
			return false, nil
		default:
			return false, opError(op, r.key, err)
		}
	})
}

// Clear with namespace "" flushes memcached (every server of the client):
// all entries of every namespace and of other users of those servers go.
// With a namespace it gives the namespace a new random generation, which
// makes every entry written under the old one unreachable (memcached
// reclaims them as they age out); other namespaces and keys without a
// namespace are untouched. A namespace holding ':' is refused with an
// error matching cache.ErrInvalidKey: no key has such a namespace.
func (s *Store) Clear(ctx context.Context, namespace string) error {
	if strings.IndexByte(namespace, ':') >= 0 {
		return opError("clear", namespace, cache.ErrInvalidKey)
	}
	_, err := call(ctx, s, "clear", req{key: namespace}, (*Store).clear)
	return err
}

// clear is Clear, run by call.
func (s *Store) clear(ctx context.Context, r req) (struct{}, error) {
	const op = "clear"
	namespace := r.key
	if namespace == "" {
		if err := after(ctx, s.flushAll(ctx)); err != nil {
			return struct{}{}, opError(op, namespace, err)
		}
		s.spaces.forgetGens()
		s.waiters.WakeAll()
		return struct{}{}, nil
	}
	sp := s.spaces.get(namespace)
	gen := newGen()
	if err := after(ctx, s.setItem(ctx, &gm.Item{Key: sp.genKey, Value: []byte(gen)})); err != nil {
		return struct{}{}, opError(op, namespace, err)
	}
	s.rememberGen(sp, gen)
	s.waiters.WakeAll()
	return struct{}{}, nil
}
