package memcache

import (
	"bytes"
	"context"
	"fmt"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
)

// version is the cache.Version of this store: the memcached key an entry
// was read or written under and its CAS id. A version with an empty key
// never matches.
type version struct {
	key string
	cas uint64
}

// versioned is what GetVersion and CompareAndSwap return besides an error.
type versioned struct {
	val []byte
	ver cache.Version
	ok  bool // found, or swapped
}

// GetVersion returns the value of key and its version: memcached's CAS id
// from a gets.
func (s *Store) GetVersion(ctx context.Context, key string) ([]byte, cache.Version, bool, error) {
	const op = "get version"
	r, err := call(ctx, s, op, key, func() (versioned, error) {
		mkey, it, err := s.lookup(ctx, op, key)
		if err != nil || it == nil {
			return versioned{}, err
		}
		return versioned{it.Value, &version{key: mkey, cas: it.CasID}, true}, nil
	})
	return r.val, r.ver, r.ok, err
}

// CompareAndSwap writes val under key with memcached's cas if the entry
// still has the CAS id of ver, and with a plain set if ver is nil. A
// changed, deleted, evicted or cleared entry gives swapped == false. A ver
// that this store did not return is an error.
//
// memcached does not return the CAS id of what it stored, so after a
// successful write CompareAndSwap reads the entry back (one more round
// trip). If it still holds the bytes just written, its CAS id is the new
// version. If not, another client wrote in between, and the new version
// is one that never matches: a CompareAndSwap with it reports a conflict,
// as it must. If that read fails for a reason other than ctx, the write
// still counts as done and the version never matches either.
func (s *Store) CompareAndSwap(ctx context.Context, key string, ver cache.Version, val []byte, ttl time.Duration) (cache.Version, bool, error) {
	const op = "compare and swap"
	r, err := call(ctx, s, op, key, func() (versioned, error) {
		ver, ok, err := s.compareAndSwap(ctx, op, key, ver, val, ttl)
		return versioned{ver: ver, ok: ok}, err
	})
	return r.ver, r.ok, err
}

// compareAndSwap is CompareAndSwap, run by call.
func (s *Store) compareAndSwap(ctx context.Context, op, key string, ver cache.Version, val []byte, ttl time.Duration) (cache.Version, bool, error) {
	if ver == nil {
		mkey, err := s.writeKey(ctx, op, key)
		if err != nil {
			return nil, false, err
		}
		if err := s.set(ctx, op, key, mkey, val, ttl); err != nil {
			return nil, false, err
		}
		return s.versionOf(ctx, op, key, mkey, val)
	}
	v, ok := ver.(*version)
	if !ok {
		return nil, false, opError(op, key, fmt.Errorf("version of type %T is not from this store", ver))
	}
	if v == nil || v.key == "" {
		return nil, false, nil
	}
	mkey, err := s.existingKey(ctx, op, key)
	if err != nil || mkey != v.key {
		// Cleared namespace, or a version of another key.
		return nil, false, err
	}
	if err := s.fits(op, key, mkey, val); err != nil {
		return nil, false, err
	}
	exp, flags := expiry(time.Now(), ttl)
	err = after(ctx, s.client.CompareAndSwap(&gm.Item{Key: mkey, Value: val, Flags: flags, Expiration: exp, CasID: v.cas}))
	switch {
	case err == nil:
		return s.versionOf(ctx, op, key, mkey, val)
	case isCASFailure(err):
		return nil, false, nil
	default:
		return nil, false, opError(op, key, err)
	}
}

// versionOf returns the version of the entry just written under mkey with
// val (see CompareAndSwap), and swapped == true.
func (s *Store) versionOf(ctx context.Context, op, key, mkey string, val []byte) (cache.Version, bool, error) {
	it, err := s.client.Get(mkey)
	if cerr := after(ctx, nil); cerr != nil {
		return nil, false, opError(op, key, cerr)
	}
	if err != nil || !bytes.Equal(it.Value, val) {
		return &version{}, true, nil
	}
	return &version{key: mkey, cas: it.CasID}, true, nil
}

// CompareAndDelete deletes key if it holds token, atomically: it reads the
// entry with its CAS id and, if the value matches, replaces it by cas with
// an already-expired entry, which memcached then treats as absent. A write
// by anyone between the read and the cas makes the cas fail, and nothing
// is deleted.
func (s *Store) CompareAndDelete(ctx context.Context, key string, token []byte) (bool, error) {
	const op = "compare and delete"
	return call(ctx, s, op, key, func() (bool, error) {
		mkey, it, err := s.lookup(ctx, op, key)
		if err != nil || it == nil || !bytes.Equal(it.Value, token) {
			return false, err
		}
		err = after(ctx, s.client.CompareAndSwap(&gm.Item{Key: mkey, Expiration: -1, CasID: it.CasID}))
		switch {
		case err == nil:
			s.waiters.Wake(key)
			return true, nil
		case isCASFailure(err):
			return false, nil
		default:
			return false, opError(op, key, err)
		}
	})
}

// Expire gives key a new expiry (ttl rounded as by Set; 0: none) and
// reports whether key existed. memcached's touch cannot change the flags
// in which the store records each entry's deadline, so Expire rewrites the
// entry with gets and cas instead (two round trips), retrying when another
// write comes in between.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	const op = "expire"
	return call(ctx, s, op, key, func() (bool, error) { return s.expire(ctx, op, key, ttl) })
}

// expire is Expire, run by call.
func (s *Store) expire(ctx context.Context, op, key string, ttl time.Duration) (bool, error) {
	for range maxAttempts {
		mkey, it, err := s.lookup(ctx, op, key)
		if err != nil || it == nil {
			return false, err
		}
		exp, flags := expiry(time.Now(), ttl)
		err = after(ctx, s.client.CompareAndSwap(&gm.Item{Key: mkey, Value: it.Value, Flags: flags, Expiration: exp, CasID: it.CasID}))
		switch {
		case err == nil:
			return true, nil
		case isNotStored(err) || isMiss(err):
			return false, nil // gone since the read
		case !isCASFailure(err):
			return false, opError(op, key, err)
		}
	}
	return false, opError(op, key, ErrContention)
}
