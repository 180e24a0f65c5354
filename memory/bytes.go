package memory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// This file holds the byte methods of cache.Store. They copy byte slices
// in and out: the store never shares one with its caller.

// Get returns a copy of the value of key and whether it was found. An
// entry written through the value path is returned in its byte form (see
// the package doc); a value without one gives an error matching
// cache.ErrDecode.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	snap, found := s.load(key, true)
	if !found {
		return nil, false, nil
	}
	b, err := toBytes(key, snap.value())
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// MultiGet returns one value per key, in order: nil for a miss, a non-nil
// copy for a hit. A hit without a byte form fails the call with an error
// matching cache.ErrDecode.
func (s *Store) MultiGet(ctx context.Context, keys []string) ([][]byte, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i, key := range keys {
		snap, found := s.load(key, true)
		if !found {
			continue
		}
		b, err := toBytes(key, snap.value())
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// Set stores a copy of val under key with ttl (<= 0: no expiry), replacing
// any value and expiry.
func (s *Store) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	s.put(key, stored{val: cloneBytes(val)}, ttl, false)
	return nil
}

// MultiSet stores a copy of vals[i] under keys[i], all with ttl. keys and
// vals must have the same length.
func (s *Store) MultiSet(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	for i, key := range keys {
		s.put(key, stored{val: cloneBytes(vals[i])}, ttl, false)
	}
	return nil
}

// Add stores a copy of val under key only if key is absent (or expired),
// and reports whether it did.
func (s *Store) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	_, added := s.put(key, stored{val: cloneBytes(val)}, ttl, true)
	return added, nil
}

// Delete removes key and reports whether it was present and unexpired.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	return withLive(s, key, func(sh *shard, e *entry, h uint64, _ int64) bool {
		if e == nil {
			return false
		}
		sh.remove(e, h)
		return true
	}), nil
}

// Exists reports whether key is present and unexpired. It does not count
// as a read for eviction.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	_, found := s.load(key, false)
	return found, nil
}

// Increment adds delta to the integer stored under key and returns the
// result. A missing key is stored as int64(delta) with no expiry. The value
// keeps its representation: decimal []byte or string, or a Go integer of
// the same type. A value that is not an integer, or a result out of the
// range of its type or of int64, gives an error matching
// cache.ErrNotInteger and leaves the value unchanged. The key keeps its
// expiry.
func (s *Store) Increment(ctx context.Context, key string, delta int64) (int64, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	h := s.hash(key)
	sh := s.shardOf(h)
	now := s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.live(key, h, now)
	if e == nil {
		sh.insert(key, h, stored{val: delta}, 0, now)
		return delta, nil
	}
	nv, r, err := increment(e.value(), delta)
	if err != nil {
		return 0, fmt.Errorf("memory: increment key %q: %w", key, err)
	}
	sh.update(e, h, stored{val: nv}, e.expires.Load())
	return r, nil
}

// Expire gives key a new ttl (<= 0: no expiry) and reports whether it was
// present and unexpired. The value and its version are unchanged.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	return withLive(s, key, func(sh *shard, e *entry, _ uint64, now int64) bool {
		if e == nil {
			return false
		}
		sh.setExpires(e, expiresAt(now, ttl))
		return true
	}), nil
}

// Clear removes every key that starts with namespace + ":", or every key
// if namespace is "". It works one shard at a time and stops with ctx's
// error between shards if ctx is done, leaving the rest as it was.
func (s *Store) Clear(ctx context.Context, namespace string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	prefix := namespace + ":"
	for i := range s.shards {
		if err := ctx.Err(); err != nil {
			return err
		}
		sh := &s.shards[i]
		sh.mu.Lock()
		if namespace == "" {
			sh.reset()
			s.waiters.WakeAll()
		} else {
			var doomed []*entry
			sh.tab.Load().each(func(e *entry) {
				if strings.HasPrefix(e.key, prefix) {
					doomed = append(doomed, e)
				}
			})
			for _, e := range doomed {
				sh.remove(e, s.hash(e.key))
			}
		}
		sh.mu.Unlock()
	}
	return nil
}

// CompareAndDelete deletes key only if its value, in byte form, equals
// token, and reports whether it did.
func (s *Store) CompareAndDelete(ctx context.Context, key string, token []byte) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	return withLive(s, key, func(sh *shard, e *entry, h uint64, _ int64) bool {
		if e == nil || !equalBytes(e.value(), token) {
			return false
		}
		sh.remove(e, h)
		return true
	}), nil
}

// GetVersion returns a copy of the value of key, as Get does, with its
// version: a uint64 in a cache.Version.
func (s *Store) GetVersion(ctx context.Context, key string) ([]byte, cache.Version, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, nil, false, err
	}
	snap, found := s.load(key, true)
	if !found {
		return nil, nil, false, nil
	}
	b, err := toBytes(key, snap.value())
	if err != nil {
		return nil, nil, false, err
	}
	return b, snap.version, true, nil
}

// CompareAndSwap stores a copy of val under key with ttl only if the key
// is present, unexpired and still has the version ver, or unconditionally
// if ver is nil. It returns the version of what it wrote and whether it
// wrote. A version not returned by this store never matches.
func (s *Store) CompareAndSwap(ctx context.Context, key string, ver cache.Version, val []byte, ttl time.Duration) (cache.Version, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	newVer, ok := s.swap(key, ver, stored{val: cloneBytes(val)}, ttl)
	if !ok {
		return nil, false, nil
	}
	return newVer, true, nil
}
