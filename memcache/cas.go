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
	r, err := call(ctx, s, "get version", req{key: key}, func(s *Store, ctx context.Context, r req) (versioned, error) {
		mkey, it, err := s.lookup(ctx, "get version", r.key)
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
// that this store did not return is an error. A cas whose connection drops
// before its reply is not sent again: the error is returned (the write
// may have landed, and a second cas would then report a conflict).
//
// memcached does not return the CAS id of what it stored, so after a
// successful write CompareAndSwap reads the entry back (one more round
// trip). If it still holds the bytes just written, its CAS id is the new
// version. If not, another client wrote in between, and the new version
// is one that never matches: a CompareAndSwap with it reports a conflict,
// as it must. If that read fails for a reason other than ctx, the write
// still counts as done and the version never matches either.
func (s *Store) CompareAndSwap(ctx context.Context, key string, ver cache.Version, val []byte, ttl time.Duration) (cache.Version, bool, error) {
	r, err := call(ctx, s, "compare and swap", req{key: key, ver: ver, val: val, ttl: ttl}, func(s *Store, ctx context.Context, r req) (versioned, error) {
		ver, ok, err := s.compareAndSwap(ctx, "compare and swap", r.key, r.ver, r.val, r.ttl)
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
	err = after(ctx, s.once(s.client.CompareAndSwap(&gm.Item{Key: mkey, Value: val, Flags: flags, Expiration: exp, CasID: v.cas})))
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
	it, err := s.get(ctx, mkey)
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
// is deleted. If the connection drops before the cas's reply, the read and
// the cas are sent again once (if the first cas had landed, the read
// finds the key gone and CompareAndDelete reports false).
func (s *Store) CompareAndDelete(ctx context.Context, key string, token []byte) (bool, error) {
	return call(ctx, s, "compare and delete", req{key: key, val: token}, func(s *Store, ctx context.Context, r req) (bool, error) {
		return s.compareAndRewrite(ctx, "compare and delete", r.key, r.val, func(it *gm.Item) *gm.Item {
			return &gm.Item{Key: it.Key, Expiration: -1, CasID: it.CasID}
		})
	})
}

// CompareAndExpire gives key a new expiry (ttl rounded as by Set; 0:
// none) if it holds token, atomically, and reports whether it did (false
// when key is absent or holds another value): it reads the entry with its
// CAS id and, if the value matches, writes the same bytes back by cas with
// the new expiry. A write by anyone between the read and the cas makes the
// cas fail, and nothing changes. If the connection drops before the cas's
// reply, the read and the cas are sent again once. lock.Red's Extend uses
// it (as cache.Extender).
func (s *Store) CompareAndExpire(ctx context.Context, key string, token []byte, ttl time.Duration) (bool, error) {
	return call(ctx, s, "compare and expire", req{key: key, val: token, ttl: ttl}, func(s *Store, ctx context.Context, r req) (bool, error) {
		exp, flags := expiry(time.Now(), r.ttl)
		return s.compareAndRewrite(ctx, "compare and expire", r.key, r.val, func(it *gm.Item) *gm.Item {
			return &gm.Item{Key: it.Key, Value: it.Value, Flags: flags, Expiration: exp, CasID: it.CasID}
		})
	})
}

// compareAndRewrite reads key and, if it holds token, writes rewrite(it)
// over the item it read by cas, and reports whether it did. The read and
// the cas are sent again once if a connection drops before the cas's
// reply: both are safe to repeat, the read of the entry deciding again.
func (s *Store) compareAndRewrite(ctx context.Context, op, key string, token []byte, rewrite func(it *gm.Item) *gm.Item) (bool, error) {
	for attempt := 0; ; attempt++ {
		_, it, err := s.lookup(ctx, op, key)
		if err != nil || it == nil || !bytes.Equal(it.Value, token) {
			return false, err
		}
		err = s.client.CompareAndSwap(rewrite(it))
		if attempt == 0 && s.again(ctx, err) {
			continue
		}
		switch err = after(ctx, s.once(err)); {
		case err == nil:
			s.waiters.Wake(key)
			return true, nil
		case isCASFailure(err):
			return false, nil
		default:
			return false, opError(op, key, err)
		}
	}
}

// Expire gives key a new expiry (ttl rounded as by Set; 0: none) and
// reports whether key existed. memcached's touch cannot change the flags
// in which the store records each entry's deadline, so Expire rewrites the
// entry with gets and cas instead (two round trips), retrying when another
// write comes in between, and once when the connection drops before the
// cas's reply.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return call(ctx, s, "expire", req{key: key, ttl: ttl}, func(s *Store, ctx context.Context, r req) (bool, error) {
		return s.expire(ctx, "expire", r.key, r.ttl)
	})
}

// expire is Expire, run by call.
func (s *Store) expire(ctx context.Context, op, key string, ttl time.Duration) (bool, error) {
	dropped := false
	for range maxAttempts {
		mkey, it, err := s.lookup(ctx, op, key)
		if err != nil || it == nil {
			return false, err
		}
		exp, flags := expiry(time.Now(), ttl)
		err = s.client.CompareAndSwap(&gm.Item{Key: mkey, Value: it.Value, Flags: flags, Expiration: exp, CasID: it.CasID})
		if !dropped && s.again(ctx, err) {
			dropped = true
			continue
		}
		switch err = after(ctx, s.once(err)); {
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
