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
	snap, found, now := s.loadClock(key, false)
	if !found {
		return nil, 0, false, nil
	}
	b, err := toBytes(key, snap.value())
	if err != nil {
		return nil, 0, false, err
	}
	return b, s.left(snap.expires, now), true, nil
}

// GetValueTTL returns the value of key, as GetValue does, the time it has
// left before it expires (0 for none) and whether it was found: what
// package loader reads to know a value's age.
func (s *Store) GetValueTTL(ctx context.Context, key string) (any, time.Duration, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, 0, false, err
	}
	snap, found, now := s.loadClock(key, true)
	if !found {
		return nil, 0, false, nil
	}
	return snap.value(), s.left(snap.expires, now), true, nil
}

// left returns the time an entry that expires at expires (0: never) has
// left at now, the time its read took to check that expiry (see
// loadClock), at least 1ns for one that expires.
func (s *Store) left(expires, now int64) time.Duration {
	if expires == 0 {
		return 0
	}
	return max(time.Duration(expires-now), 1)
}
