package memcache

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
)

// Increment adds delta to the decimal integer stored under key and returns
// the result; a missing key becomes delta, with no expiry. An existing key
// keeps its expiry.
//
// A delta >= 0 uses memcached's incr (one round trip; add when the key is
// missing). memcached's incr cannot handle negative numbers and its decr
// stops at 0, so a negative delta, or a value incr refuses (such as "-5"),
// goes through a read and a cas instead, retried while other writes come
// in between; the cas keeps the deadline recorded in the entry's flags.
//
// A value that is not a decimal int64 (surrounding spaces allowed) gives an
// error matching cache.ErrNotInteger and is left unchanged, and so does a
// result outside int64. One difference remains: memcached's incr also
// accepts a number followed by a space and anything at all ("5 x"), and
// then replaces the whole value by the number.
func (s *Store) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	const op = "increment"
	return call(ctx, s, op, key, func() (int64, error) { return s.increment(ctx, op, key, delta) })
}

// increment is Increment, run by call.
func (s *Store) increment(ctx context.Context, op, key string, delta int64) (int64, error) {
	mkey, err := s.writeKey(ctx, op, key)
	if err != nil {
		return 0, err
	}
	if delta < 0 {
		return s.casAdd(ctx, op, key, mkey, delta)
	}
	for range maxAttempts {
		n, err := s.client.Increment(mkey, uint64(delta))
		err = after(ctx, err)
		switch {
		case err == nil:
			if n > math.MaxInt64 || n < uint64(delta) {
				// The value was above int64 or the sum overflowed (or
				// wrapped past 2^64): take the increment back.
				return 0, s.undoIncr(ctx, op, key, mkey, uint64(delta))
			}
			return int64(n), nil
		case isMiss(err):
			added, err := s.addNumber(ctx, op, key, mkey, delta)
			if err != nil || added {
				return delta, err
			}
			// Someone else created it first: increment theirs.
		case isClientError(err):
			// Not a number memcached can increment ("-5", text).
			return s.casAdd(ctx, op, key, mkey, delta)
		default:
			return 0, opError(op, key, err)
		}
	}
	return 0, opError(op, key, ErrContention)
}

// casAdd adds delta to the value of mkey with a gets/cas loop, adding the
// key when it is missing.
func (s *Store) casAdd(ctx context.Context, op, key, mkey string, delta int64) (int64, error) {
	for range maxAttempts {
		it, err := s.client.Get(mkey)
		err = after(ctx, err)
		switch {
		case isMiss(err):
			added, err := s.addNumber(ctx, op, key, mkey, delta)
			if err != nil || added {
				return delta, err
			}
			continue
		case err != nil:
			return 0, opError(op, key, err)
		}
		v, err := strconv.ParseInt(string(bytes.TrimSpace(it.Value)), 10, 64)
		if err != nil {
			return 0, opError(op, key, cache.ErrNotInteger)
		}
		n := v + delta
		if (delta > 0 && n < v) || (delta < 0 && n > v) {
			return 0, opError(op, key, fmt.Errorf("%w: %d%+d overflows int64", cache.ErrNotInteger, v, delta))
		}
		err = after(ctx, s.client.CompareAndSwap(&gm.Item{
			Key: mkey, Value: strconv.AppendInt(nil, n, 10),
			Flags: it.Flags, Expiration: keptExpiry(it.Flags), CasID: it.CasID,
		}))
		switch {
		case err == nil:
			return n, nil
		case !isCASFailure(err):
			return 0, opError(op, key, err)
		}
	}
	return 0, opError(op, key, ErrContention)
}

// addNumber creates mkey holding n, with no expiry, and reports whether it
// did (false: the key exists).
func (s *Store) addNumber(ctx context.Context, op, key, mkey string, n int64) (bool, error) {
	return s.add(ctx, op, key, &gm.Item{Key: mkey, Value: strconv.AppendInt(nil, n, 10)})
}

// undoIncr subtracts delta (modulo 2^64, as memcached added it) from the
// value of mkey after an incr that left int64, and returns the error that
// Increment reports. Readers may see the out-of-range value until then.
// The undo runs even if ctx is done: it repairs what this call broke.
func (s *Store) undoIncr(ctx context.Context, op, key, mkey string, delta uint64) error {
	failure := opError(op, key, fmt.Errorf("%w: result out of int64 range", cache.ErrNotInteger))
	if delta == 0 {
		return failure
	}
	ctx = context.WithoutCancel(ctx)
	for range maxAttempts {
		it, err := s.client.Get(mkey)
		if err != nil {
			return fmt.Errorf("%w (and undoing the incr failed: %v)", failure, err)
		}
		u, err := strconv.ParseUint(string(bytes.TrimSpace(it.Value)), 10, 64)
		if err != nil {
			// Someone replaced the value meanwhile: nothing to undo.
			return failure
		}
		err = after(ctx, s.client.CompareAndSwap(&gm.Item{
			Key: mkey, Value: strconv.AppendUint(nil, u-delta, 10),
			Flags: it.Flags, Expiration: keptExpiry(it.Flags), CasID: it.CasID,
		}))
		if err == nil || isNotStored(err) || isMiss(err) {
			return failure
		}
		if !isCASFailure(err) {
			return fmt.Errorf("%w (and undoing the incr failed: %v)", failure, err)
		}
	}
	return fmt.Errorf("%w (and undoing the incr failed: %v)", failure, ErrContention)
}

// isClientError reports whether err is a CLIENT_ERROR reply relayed by
// gomemcache, which incr gives for a value it cannot increment.
func isClientError(err error) bool {
	return strings.HasPrefix(err.Error(), "memcache: client error:")
}
