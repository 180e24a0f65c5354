package memory

import (
	"context"
	"time"

	"github.com/cachekit/cachekit/cache"
)

// This file holds the methods of cache.ValueStore. They store and return
// Go values as they are: no copy, no encoding.

// GetValue returns the value of key, exactly as stored, and whether it was
// found. An entry written by the byte path is its []byte.
func (s *Store) GetValue(ctx context.Context, key string) (any, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	snap, found := s.load(key, true)
	return snap.value(), found, nil
}

// GetValueVersion returns the value of key, as GetValue does, its version
// (a uint64 in a cache.Version) and whether it was found.
func (s *Store) GetValueVersion(ctx context.Context, key string) (any, cache.Version, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, nil, false, err
	}
	snap, found := s.load(key, true)
	if !found {
		return nil, nil, false, nil
	}
	return snap.value(), snap.version, true, nil
}

// SetValue stores val under key with ttl (<= 0: no expiry), replacing any
// value and expiry.
func (s *Store) SetValue(ctx context.Context, key string, val any, ttl time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	s.put(key, stored{val: val}, ttl, false)
	return nil
}

// AddValue stores val under key only if key is absent (or expired), and
// reports whether it did.
func (s *Store) AddValue(ctx context.Context, key string, val any, ttl time.Duration) (bool, error) {
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	_, added := s.put(key, stored{val: val}, ttl, true)
	return added, nil
}

// CompareAndSwapValue stores val under key with ttl only if the key is
// present, unexpired and still has the version ver, or unconditionally if
// ver is nil. It returns the version of what it wrote and whether it
// wrote. A version not returned by this store never matches.
func (s *Store) CompareAndSwapValue(ctx context.Context, key string, ver cache.Version, val any, ttl time.Duration) (cache.Version, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	newVer, ok := s.swap(key, ver, stored{val: val}, ttl)
	if !ok {
		return nil, false, nil
	}
	return newVer, true, nil
}
