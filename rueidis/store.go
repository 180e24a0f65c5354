package rueidis

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
)

var _ cache.Store = (*Store)(nil)

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
	hub    *releaseHub
}

// New returns a Store that runs its commands on client. The Store does not
// own client: Close leaves it open, and the caller closes it after the
// Store.
func New(client rd.Client, opts Options) *Store {
	opts = opts.withDefaults()
	return &Store{
		client: client,
		opts:   opts,
		hub:    newReleaseHub(client, opts.ReleaseChannel),
	}
}

// Close stops the store's background work (the release subscription of
// WatchRelease, if one was started) and waits for it to end. Later calls
// return cache.ErrClosed. Close is idempotent and always returns nil; it
// does not close the client given to New.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.hub.close()
	return nil
}

// Get returns the value of key and whether it was found. The returned
// slice belongs to the caller.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if s.closed.Load() {
		return nil, false, cache.ErrClosed
	}
	msg, err := do(ctx, s.client, func() rd.Completed { return s.client.B().Get().Key(key).Build() }).ToMessage()
	if err != nil {
		if rd.IsRedisNil(err) {
			return nil, false, nil
		}
		return nil, false, wrap(ctx, "get", key, err)
	}
	val, err := hitBytes(&msg)
	if err != nil {
		return nil, false, wrap(ctx, "get", key, err)
	}
	return val, true, nil
}

// Set writes val under key: SET, with PX when ttl > 0. A write with ttl 0
// removes any earlier expiry.
func (s *Store) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if s.closed.Load() {
		return cache.ErrClosed
	}
	if _, err := millis(ttl); err != nil {
		return wrap(ctx, "set", key, err)
	}
	if err := do(ctx, s.client, func() rd.Completed { return s.setCmd(ctx, key, val, ttl) }).Error(); err != nil {
		return wrap(ctx, "set", key, err)
	}
	return nil
}

// Add writes val only if key is absent (SET NX, with PX when ttl > 0) and
// reports whether it did.
func (s *Store) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if s.closed.Load() {
		return false, cache.ErrClosed
	}
	ms, err := millis(ttl)
	if err != nil {
		return false, wrap(ctx, "add", key, err)
	}
	err = do(ctx, s.client, func() rd.Completed {
		nx := s.client.B().Set().Key(key).Value(arg(ctx, val)).Nx()
		if ms > 0 {
			return nx.PxMilliseconds(ms).Build()
		}
		return nx.Build()
	}).Error()
	switch {
	case err == nil:
		return true, nil
	case rd.IsRedisNil(err):
		return false, nil
	default:
		return false, wrap(ctx, "add", key, err)
	}
}

// Delete removes key (UNLINK) and reports whether it existed.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	if s.closed.Load() {
		return false, cache.ErrClosed
	}
	n, err := do(ctx, s.client, func() rd.Completed { return s.client.B().Unlink().Key(key).Build() }).AsInt64()
	if err != nil {
		return false, wrap(ctx, "delete", key, err)
	}
	return n > 0, nil
}

// Exists reports whether key is present.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if s.closed.Load() {
		return false, cache.ErrClosed
	}
	n, err := do(ctx, s.client, func() rd.Completed { return s.client.B().Exists().Key(key).Build() }).AsInt64()
	if err != nil {
		return false, wrap(ctx, "exists", key, err)
	}
	return n > 0, nil
}

// Increment adds delta to the integer under key with INCRBY, which keeps
// the key's expiry, and returns the result. A value that is not a decimal
// integer (or a result out of the int64 range) gives an error matching
// cache.ErrNotInteger, and the value is left unchanged.
func (s *Store) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	if s.closed.Load() {
		return 0, cache.ErrClosed
	}
	n, err := do(ctx, s.client, func() rd.Completed { return s.client.B().Incrby().Key(key).Increment(delta).Build() }).AsInt64()
	if err != nil {
		if isNotInteger(err) {
			return 0, fmt.Errorf("rueidis: increment %q: %w: %w", key, cache.ErrNotInteger, err)
		}
		return 0, wrap(ctx, "increment", key, err)
	}
	return n, nil
}

// Expire gives an existing key a new ttl (PEXPIRE) or, with ttl 0, removes
// its expiry, and reports whether the key existed.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if s.closed.Load() {
		return false, cache.ErrClosed
	}
	ms, err := millis(ttl)
	if err != nil {
		return false, wrap(ctx, "expire", key, err)
	}
	var n int64
	if ms > 0 {
		n, err = do(ctx, s.client, func() rd.Completed { return s.client.B().Pexpire().Key(key).Milliseconds(ms).Build() }).AsInt64()
	} else {
		// PERSIST answers 0 both for a missing key and for a key without
		// expiry, so the script tells them apart in one atomic step.
		n, err = exec(ctx, s.client, persistScript, []string{key}, nil).AsInt64()
	}
	if err != nil {
		return false, wrap(ctx, "expire", key, err)
	}
	return n == 1, nil
}

// setCmd builds SET key val, with PX when ttl > 0. ttl must not be
// negative (see millis).
func (s *Store) setCmd(ctx context.Context, key string, val []byte, ttl time.Duration) rd.Completed {
	ms, _ := millis(ttl)
	set := s.client.B().Set().Key(key).Value(arg(ctx, val))
	if ms > 0 {
		return set.PxMilliseconds(ms).Build()
	}
	return set.Build()
}

// millis converts ttl to whole milliseconds for PX and PEXPIRE, rounding
// up so that an entry never expires before its ttl: a positive ttl under
// one millisecond becomes 1. It returns 0 for ttl 0 (no expiry).
func millis(ttl time.Duration) (int64, error) {
	if ttl < 0 {
		return 0, fmt.Errorf("%w: %v", cache.ErrInvalidTTL, ttl)
	}
	ms := int64(ttl / time.Millisecond)
	if ttl%time.Millisecond != 0 {
		ms++
	}
	return ms, nil
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

// wrap names the operation and key in err. When ctx has ended, the result
// also matches its error, whatever error the client reported for it (see
// ctxerr.Wrap).
func wrap(ctx context.Context, op, key string, err error) error {
	return fmt.Errorf("rueidis: %s %q: %w", op, key, ctxerr.Wrap(ctx, err))
}

// isNotInteger reports whether err is Redis' answer to INCRBY on a value
// that is not an integer, or whose result would leave the int64 range.
func isNotInteger(err error) bool {
	rerr, ok := rd.IsRedisErr(err)
	if !ok {
		return false
	}
	msg := rerr.Error()
	return strings.Contains(msg, "not an integer") || strings.Contains(msg, "would overflow")
}
