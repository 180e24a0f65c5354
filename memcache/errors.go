package memcache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
)

// Errors of this package. Conditions that the cache.Store contract reports
// as results (a miss, a failed add or compare) are never errors.
var (
	// ErrNoClient is returned by every operation of a Store made with a nil
	// client.
	ErrNoClient = errors.New("memcache: store has no client")
	// ErrCorruptGeneration is returned when the entry that holds a
	// namespace's generation holds something this package did not write.
	// Clear of that namespace repairs it.
	ErrCorruptGeneration = errors.New("memcache: corrupt namespace generation")
	// ErrContention is returned when a read-modify-write (Increment of a
	// negative delta, Expire) lost its compare-and-swap race too many times
	// in a row.
	ErrContention = errors.New("memcache: too many compare-and-swap conflicts")
)

// maxAttempts bounds the retries of a read-modify-write that keeps losing
// compare-and-swap races, and of the creation of a namespace generation.
const maxAttempts = 100

// maxKeyInError is how many bytes of a key an error message quotes.
const maxKeyInError = 64

// opError wraps err with the operation and the key it failed on, but
// returns a context's error unchanged, as every store does. memcached's
// refusal of an item over its size limit is made to match cache.ErrTooLarge.
func opError(op, key string, err error) error {
	if err == context.Canceled || err == context.DeadlineExceeded {
		return err
	}
	if !errors.Is(err, cache.ErrTooLarge) && strings.Contains(err.Error(), "object too large for cache") {
		err = fmt.Errorf("%w: %w", cache.ErrTooLarge, err)
	}
	return fmt.Errorf("memcache: %s %s: %w", op, quoteKey(key), err)
}

// quoteKey quotes key for an error message, shortening a long key.
func quoteKey(key string) string {
	if len(key) <= maxKeyInError {
		return strconv.Quote(key)
	}
	return strconv.Quote(key[:maxKeyInError]) + "..." + "(" + strconv.Itoa(len(key)) + " bytes)"
}

// begin checks, before the first call of an operation, that the store is
// open and ctx is not done.
func (s *Store) begin(ctx context.Context, op, key string) error {
	if s.closed.Load() {
		return opError(op, key, cache.ErrClosed)
	}
	if s.client == nil {
		return opError(op, key, ErrNoClient)
	}
	if err := ctxerr.Err(ctx); err != nil {
		return opError(op, key, err)
	}
	return nil
}

// after returns, after a call to memcached, ctx.Err() if ctx was done
// meanwhile (the call's answer is then discarded, whatever it was), else
// err unchanged. Callers wrap what it returns with opError. gomemcache calls cannot be interrupted: a call in flight
// ends on its own, within the client's Timeout per network read or write.
func after(ctx context.Context, err error) error {
	if cerr := ctxerr.Err(ctx); cerr != nil {
		return cerr
	}
	return err
}

// fits returns an error matching cache.ErrTooLarge, naming key and the size
// of val, if val under the memcached key mkey would not fit in an item (see
// Options.MaxItemSize).
func (s *Store) fits(op, key, mkey string, val []byte) error {
	if len(mkey)+len(val)+maxItemOverhead <= s.maxItemSize {
		return nil
	}
	return opError(op, key, fmt.Errorf("%w: %d bytes, over memcached's item size of %d with the key and %d bytes of header",
		cache.ErrTooLarge, len(val), s.maxItemSize, maxItemOverhead))
}

// isMiss reports whether err is gomemcache's cache miss.
func isMiss(err error) bool { return errors.Is(err, gm.ErrCacheMiss) }

// isNotStored reports whether err is gomemcache's "not stored" (a failed
// add, or a cas of an evicted entry).
func isNotStored(err error) bool { return errors.Is(err, gm.ErrNotStored) }

// isCASFailure reports whether err says that a cas found the entry changed
// (ErrCASConflict), evicted (ErrNotStored) or gone (ErrCacheMiss).
func isCASFailure(err error) bool {
	return errors.Is(err, gm.ErrCASConflict) || errors.Is(err, gm.ErrNotStored) || isMiss(err)
}
