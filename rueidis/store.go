package rueidis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/leasewait"
)

// Compile-time checks of the interfaces Store implements.
var (
	_ cache.Store       = (*Store)(nil)
	_ cache.MultiGetter = (*Store)(nil)
	_ cache.MultiSetter = (*Store)(nil)
	_ cache.Exister     = (*Store)(nil)
	_ cache.Incrementer = (*Store)(nil)
	_ cache.Expirer     = (*Store)(nil)
	_ cache.Watcher     = (*Store)(nil)
	_ cache.TTLGetter   = (*Store)(nil)
)

// Store is a cache.Store on Redis, standalone or Cluster, through a
// rueidis client. It is safe for concurrent use.
//
// Values are kept byte for byte. Each single-key method is one command or
// one script on the key's node; MultiGet and MultiSet take one round trip
// per node, not per key.
type Store struct {
	client rd.Client
	opts   Options
	closed atomic.Bool
	// waiters are the watches of keys (Watch): woken by this store's own
	// deletes at once, and by Redis' invalidations of tracked keys.
	waiters  leasewait.Table
	tracking *tracking
	// own are the keys written lately, which a near cache does not answer
	// for (see ownWrites).
	own ownWrites
	// guard sends calls from goroutines of the store while it is careful,
	// so that they return at their ctx's end (see guard.go).
	guard guard
}

// New returns a Store that runs its commands on client. The Store does not
// own client: Close leaves it open, and the caller closes it after the
// Store.
func New(client rd.Client, opts Options) *Store {
	opts = opts.withDefaults()
	s := &Store{client: client, opts: opts}
	s.tracking = newTracking(client, &s.waiters)
	s.guard.start() // careful while the client makes its connections
	return s
}

// Close waits for the calls that the store went on with after their
// caller left (see Contexts in the package documentation), returns the
// store's tracking connections (see Watch) to the client's pool and waits
// for their watchers to end, then wakes the watches, which find the store
// closed. Later calls return cache.ErrClosed. Close is idempotent and
// always returns nil; it does not close the client given to New.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.guard.close()
	s.own.close()
	s.tracking.close()
	s.waiters.WakeAll()
	return nil
}

// Get returns the value of key and whether it was found: from the near
// cache when Options.ClientSideCache is set, else from Redis. The returned
// slice belongs to the caller.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if s.cached() || !s.direct(ctx) {
		return s.get(ctx, key, s.cached())
	}
	// get's common case, sent from this frame (see direct), which holds
	// little more than the reply: a Get's goroutine waits for it in
	// rueidis, and by then this frame has gone cold in the processor's
	// caches, so each of its lines costs a miss on the way back (a frame
	// of 392 bytes took 90 ns a Get more than this one, 64 goroutines on
	// two cores). Anything but a hit or a miss is gotOther's.
	res := s.client.Do(ctx, readCmd(s.client.B(), "GET", []string{key}))
	val, err := res.AsBytes()
	if err != nil {
		return s.gotOther(ctx, key, &res)
	}
	s.guard.succeeded()
	if val == nil {
		val = []byte{} // an empty value is a hit
	}
	return val, true, nil
}

// gotOther is the end of Get for a first reply res that is not a value:
// a miss, a failure that the store may send the GET again for, or an
// error. It is never inlined: its variables would grow Get's frame again.
//
//go:noinline
func (s *Store) gotOther(ctx context.Context, key string, res *rd.RedisResult) ([]byte, bool, error) {
	var msg rd.RedisMessage
	var err error
	if cerr := res.NonRedisError(); cerr == nil {
		s.guard.succeeded()
		msg, err = reply(ctx, opGet, key, *res)
	} else {
		s.guard.observe(ctx, cerr)
		msg, err = s.retried(ctx, opGet, key, s.client, again, getCmd(s.client, key), *res)
	}
	return getReply(ctx, opGet, key, msg, err)
}

// opGet is the name of Get in its errors.
const opGet = "get"

// getCmd returns the builder of the GET of key on c.
func getCmd(c rd.Client, key string) func() rd.Completed {
	return func() rd.Completed { return readCmd(c.B(), "GET", []string{key}) }
}

// get reads key, through the near cache if cached; from Redis if the near
// cache may not have caught up with the store's own write of key yet (see
// ownWrites).
func (s *Store) get(ctx context.Context, key string, cached bool) ([]byte, bool, error) {
	const op = opGet
	if !cached {
		msg, err := s.do(ctx, op, key, s.client, again, getCmd(s.client, key))
		return getReply(ctx, op, key, msg, err)
	}
	m := s.own.lookup(key)
	msg, err := s.doCache(ctx, op, key, func() rd.Cacheable { return s.client.B().Get().Key(key).Cache() })
	val, found, err := getReply(ctx, op, key, msg, err)
	if err != nil || m == nil || s.own.agrees(key, m, val, found) {
		return val, found, err
	}
	return s.get(ctx, key, false)
}

// getReply returns the value of GET's reply msg (or its error err).
func getReply(ctx context.Context, op, key string, msg rd.RedisMessage, err error) ([]byte, bool, error) {
	switch {
	case rd.IsRedisNil(err):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	val, err := hitBytes(&msg)
	if err != nil {
		return nil, false, wrap(ctx, op, key, err)
	}
	return val, true, nil
}

// Set writes val under key: SET, with PX when ttl > 0. A write with ttl 0
// removes any earlier expiry.
func (s *Store) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.markWrite(key, val)
	_, err := s.do(ctx, "set", key, s.client, again, func() rd.Completed { return s.setCmd(ctx, key, val, ttl) })
	return err
}

// Add writes val only if key is absent (SET NX, with PX when ttl > 0) and
// reports whether it did.
func (s *Store) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	m, prev := s.markWrite(key, val)
	_, err := s.do(ctx, "add", key, s.client, never, func() rd.Completed {
		nx := s.client.B().Set().Key(key).Value(arg(ctx, val)).Nx()
		if ms := millis(ttl); ms > 0 {
			return nx.PxMilliseconds(ms).Build()
		}
		return nx.Build()
	})
	switch {
	case rd.IsRedisNil(err):
		s.unmark(key, m, prev)
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// Delete removes key (UNLINK) and reports whether it existed.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	s.markRemove(key)
	msg, err := s.do(ctx, "delete", key, s.client, again, func() rd.Completed { return s.client.B().Unlink().Key(key).Build() })
	if err != nil {
		return false, err
	}
	n, err := msg.AsInt64()
	if n > 0 {
		s.waiters.Wake(key)
	}
	return n > 0, wrapNonNil(ctx, "delete", key, err)
}

// Exists reports whether key is present: with EXISTS, or, with the near
// cache, with a cached GET of the key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if s.cached() {
		_, found, err := s.get(ctx, key, true)
		return found, err
	}
	msg, err := s.do(ctx, "exists", key, s.client, again, func() rd.Completed { return readCmd(s.client.B(), "EXISTS", []string{key}) })
	if err != nil {
		return false, err
	}
	n, err := msg.AsInt64()
	return n > 0, wrapNonNil(ctx, "exists", key, err)
}

// Increment adds delta to the integer under key with INCRBY, which keeps
// the key's expiry, and returns the result. A value that is not a decimal
// integer (or a result out of the int64 range) gives an error matching
// cache.ErrNotInteger, and the value is left unchanged.
func (s *Store) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	const op = "increment"
	m, prev := s.markUnknown(key)
	msg, err := s.do(ctx, op, key, s.client, never, func() rd.Completed { return s.client.B().Incrby().Key(key).Increment(delta).Build() })
	if isNotInteger(err) {
		s.unmark(key, m, prev)
		return 0, fmt.Errorf("%w: %w", cache.ErrNotInteger, err)
	}
	if err != nil {
		return 0, err
	}
	n, err := msg.AsInt64()
	if err == nil && m != nil {
		s.own.settle(key, m, wrote(strconv.AppendInt(nil, n, 10)))
	}
	return n, wrapNonNil(ctx, op, key, err)
}

// Expire gives an existing key a new ttl (PEXPIRE) or, with ttl 0, removes
// its expiry, and reports whether the key existed.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	const op = "expire"
	s.markUnknown(key)
	var msg rd.RedisMessage
	var err error
	if ms := millis(ttl); ms > 0 {
		msg, err = s.do(ctx, op, key, s.client, again, func() rd.Completed { return s.client.B().Pexpire().Key(key).Milliseconds(ms).Build() })
	} else {
		// PERSIST answers 0 both for a missing key and for a key without
		// expiry, so the script tells them apart in one atomic step.
		msg, err = s.exec(ctx, op, again, persistScript, []string{key}, nil)
	}
	if err != nil {
		return false, err
	}
	n, err := msg.AsInt64()
	return n == 1, wrapNonNil(ctx, op, key, err)
}

// setCmd builds SET key val, with PX when ttl > 0.
func (s *Store) setCmd(ctx context.Context, key string, val []byte, ttl time.Duration) rd.Completed {
	set := s.client.B().Set().Key(key).Value(arg(ctx, val))
	if ms := millis(ttl); ms > 0 {
		return set.PxMilliseconds(ms).Build()
	}
	return set.Build()
}

// millis converts ttl to whole milliseconds for PX and PEXPIRE, rounding
// up so that an entry never expires before its ttl: a positive ttl under
// one millisecond becomes 1. It returns 0 for ttl 0 (no expiry); stores
// never see a negative ttl.
func millis(ttl time.Duration) int64 {
	ms := int64(ttl / time.Millisecond)
	if ttl%time.Millisecond != 0 {
		ms++
	}
	return ms
}

// arg returns b as a command argument. Without a copy where that is safe:
// when ctx is cancelled, rueidis returns at once but may still hold the
// command in its write queue, and the caller may then reuse b. A ctx that
// can never be cancelled makes Do wait for the reply, after which rueidis
// no longer reads the argument.
func arg(ctx context.Context, b []byte) string {
	if ctx.Done() == nil {
		return rd.BinaryString(b)
	}
	return string(b)
}

// hitBytes returns the bytes of a string reply: a non-nil slice even for an
// empty value, since nil stands for a miss. rueidis reads each bulk string
// into its own buffer and nothing else refers to it, so the caller may keep
// and modify the result.
func hitBytes(msg *rd.RedisMessage) ([]byte, error) {
	b, err := msg.AsBytes()
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// wrapNonNil is wrap for an error that may be nil: a reply of an
// unexpected type.
func wrapNonNil(ctx context.Context, op, key string, err error) error {
	if err == nil {
		return nil
	}
	return wrap(ctx, op, key, err)
}

// isNotInteger reports whether err is Redis' answer to INCRBY on a value
// that is not an integer, or whose result would leave the int64 range.
func isNotInteger(err error) bool {
	var rerr *rd.RedisError
	if !errors.As(err, &rerr) {
		return false
	}
	msg := rerr.Error()
	return strings.Contains(msg, "not an integer") || strings.Contains(msg, "would overflow")
}
