package memcache

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/decimal"
)

// Increment adds delta to the decimal integer stored under key and returns
// the result; a missing key becomes delta, with no expiry. An existing key
// keeps its expiry.
//
// It accepts exactly the values Redis' INCRBY accepts (package
// internal/decimal: an optional '-' and digits, no '+', spaces or leading
// zeros, within int64), and gives an error matching cache.ErrNotInteger,
// writing nothing, for the rest and for a result outside int64. memcached's
// own incr is laxer: it takes " 12", "+5", "007" and "5 x", and rewrites
// them in place padded with spaces ("13 "). So Increment reads the value
// first and checks it, then adds (two round trips):
//
//   - a value >= 0 and a delta >= 0 with memcached's incr, atomic and
//     keeping the expiry whatever other writers do meanwhile;
//   - otherwise (a negative delta or value, which incr cannot handle) with
//     a cas of the new number, retried while other writes come in between;
//     the cas keeps the entry's expiry, which the read learnt with
//     memcached's meta get (see readItem), whoever wrote the entry.
//
// A value that another client replaces with text incr takes but Redis
// would not, in the one round trip between the read and the incr, is
// added to as memcached reads it.
//
// Increment's writes (incr, cas, add) are not sent again when the
// connection drops before their reply: one may have landed, and the
// error is returned.
func (s *Store) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	return call(ctx, s, "increment", req{key: key, delta: delta}, func(s *Store, ctx context.Context, r req) (int64, error) {
		return s.increment(ctx, "increment", r.key, r.delta)
	})
}

// increment is Increment, run by call.
func (s *Store) increment(ctx context.Context, op, key string, delta int64) (int64, error) {
	mkey, err := s.writeKey(ctx, op, key)
	if err != nil {
		return 0, err
	}
	// A negative delta rewrites the value with a cas, which needs the
	// entry's expiry: read it with the value. A positive one uses incr,
	// unless the value turns out negative.
	withTTL := delta < 0
	for range maxAttempts {
		it, ttl, known, err := s.readItem(ctx, mkey, withTTL)
		err = after(ctx, err)
		switch {
		case isMiss(err):
			added, err := s.addNumber(ctx, op, key, mkey, delta)
			if err != nil || added {
				return delta, err
			}
			continue // someone else created it first: add to theirs
		case err != nil:
			return 0, opError(op, key, err)
		}
		v, ok := decimal.Parse(it.Value)
		if !ok {
			return 0, opError(op, key, fmt.Errorf("%w: %q", cache.ErrNotInteger, quoteValue(it.Value)))
		}
		n, ok := addInt(v, delta)
		if !ok {
			return 0, opError(op, key, fmt.Errorf("%w: %d%+d overflows int64", cache.ErrNotInteger, v, delta))
		}
		if delta == 0 {
			return v, nil
		}
		var done bool
		switch {
		case v >= 0 && delta > 0:
			n, done, err = s.incr(ctx, op, key, mkey, delta)
		case !known && !withTTL && s.meta.usable():
			withTTL = true // read it again, with its expiry
		default:
			done, err = s.casNumber(ctx, op, key, it, keptExpiry(time.Now(), it.Flags, ttl, known), n)
		}
		if err != nil || done {
			return n, err
		}
	}
	return 0, opError(op, key, ErrContention)
}

// incr adds delta > 0 with memcached's incr to mkey, which held a
// non-negative integer when it was read. done is false when the value was
// deleted or replaced by one incr refuses meanwhile: read it again.
func (s *Store) incr(ctx context.Context, op, key, mkey string, delta int64) (n int64, done bool, err error) {
	u, err := s.client.Increment(mkey, uint64(delta))
	err = after(ctx, s.once(err))
	switch {
	case err == nil:
		if u > math.MaxInt64 || u < uint64(delta) {
			// Other increments since the read took it above int64 (or
			// it wrapped past 2^64): take this one back.
			return 0, true, s.undoIncr(ctx, op, key, mkey, uint64(delta))
		}
		return int64(u), true, nil
	case isMiss(err), isClientError(err):
		return 0, false, nil
	}
	return 0, true, opError(op, key, err)
}

// casNumber writes the number n over it, the item read, if it has not
// changed since, keeping its flags, with the Expiration exp that keeps its
// expiry. done is false when it changed: read it again.
func (s *Store) casNumber(ctx context.Context, op, key string, it *gm.Item, exp int32, n int64) (done bool, err error) {
	err = after(ctx, s.once(s.client.CompareAndSwap(&gm.Item{
		Key: it.Key, Value: strconv.AppendInt(nil, n, 10),
		Flags: it.Flags, Expiration: exp, CasID: it.CasID,
	})))
	switch {
	case err == nil:
		return true, nil
	case isCASFailure(err):
		return false, nil
	}
	return true, opError(op, key, err)
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
	ctx = context.WithoutCancel(ctx)
	for range maxAttempts {
		it, ttl, known, err := s.readItem(ctx, mkey, true)
		if err != nil {
			return fmt.Errorf("%w (and undoing the incr failed: %v)", failure, err)
		}
		// memcached writes what it adds as it reads it: digits, maybe
		// padded with spaces.
		u, err := strconv.ParseUint(strings.TrimRight(string(it.Value), " "), 10, 64)
		if err != nil {
			// Someone replaced the value meanwhile: nothing to undo.
			return failure
		}
		err = after(ctx, s.once(s.client.CompareAndSwap(&gm.Item{
			Key: mkey, Value: strconv.AppendUint(nil, u-delta, 10),
			Flags: it.Flags, Expiration: keptExpiry(time.Now(), it.Flags, ttl, known), CasID: it.CasID,
		})))
		if err == nil || isNotStored(err) || isMiss(err) {
			return failure
		}
		if !isCASFailure(err) {
			return fmt.Errorf("%w (and undoing the incr failed: %v)", failure, err)
		}
	}
	return fmt.Errorf("%w (and undoing the incr failed: %v)", failure, ErrContention)
}

// addInt returns a+b and whether it did not overflow.
func addInt(a, b int64) (int64, bool) {
	r := a + b
	return r, (r > a) == (b > 0)
}

// maxValueInError is how many bytes of a value an error message quotes.
const maxValueInError = 32

// quoteValue returns the start of a value for an error message.
func quoteValue(v []byte) string {
	if len(v) > maxValueInError {
		return string(v[:maxValueInError]) + "..."
	}
	return string(v)
}

// isClientError reports whether err is a CLIENT_ERROR reply relayed by
// gomemcache, which incr gives for a value it cannot increment.
func isClientError(err error) bool {
	return strings.HasPrefix(err.Error(), "memcache: client error:")
}
