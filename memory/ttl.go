package memory

import (
	"context"
	"time"
)

// GetTTL returns a copy of the value of key, as Get does, the time it has
// left before it expires (0 for none) and whether it was found.
func (s *Store) GetTTL(ctx context.Context, key string) ([]byte, time.Duration, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, 0, false, err
	}
	snap, found := s.load(key, false)
	if !found {
		return nil, 0, false, nil
	}
	expires := snap.expires
	b, err := toBytes(key, snap.value())
	if err != nil {
		return nil, 0, false, err
	}
	var ttl time.Duration
	if expires != 0 {
		ttl = max(time.Duration(expires-s.now()), 1)
	}
	return b, ttl, true, nil
}

// GetValueTTL returns the value of key, as GetValue does, the time it has
// left before it expires (0 for none) and whether it was found: what
// package loader reads to know a value's age.
func (s *Store) GetValueTTL(ctx context.Context, key string) (any, time.Duration, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, 0, false, err
	}
	snap, found := s.load(key, true)
	if !found {
		return nil, 0, false, nil
	}
	var ttl time.Duration
	if snap.expires != 0 {
		ttl = max(time.Duration(snap.expires-s.now()), 1)
	}
	return snap.value(), ttl, true, nil
}
