package client

import (
	"context"
	"sync"
)

// SyncMap is a sync.Map as a KV: the floor of what an unbounded,
// concurrent map costs in Go. It has no expiry, bound or eviction.
type SyncMap[V any] struct {
	m sync.Map
}

var (
	_ KV[int]     = (*SyncMap[int])(nil)
	_ MultiGetter = (*SyncMap[int])(nil)
)

// NewSyncMap returns an empty map.
func NewSyncMap[V any]() *SyncMap[V] { return &SyncMap[V]{} }

// Name returns "syncmap".
func (s *SyncMap[V]) Name() string { return "syncmap" }

// Get reads key with Load.
func (s *SyncMap[V]) Get(_ context.Context, key string) (V, bool, error) {
	x, ok := s.m.Load(key)
	if !ok {
		var zero V
		return zero, false, nil
	}
	return x.(V), true, nil
}

// Set writes key with Store.
func (s *SyncMap[V]) Set(_ context.Context, key string, val V) error {
	s.m.Store(key, val)
	return nil
}

// MultiGet reads keys one by one into a map, the shape of
// Cache.MultiGet's result.
func (s *SyncMap[V]) MultiGet(_ context.Context, keys []string) (int, error) {
	m := make(map[string]V, len(keys))
	for _, k := range keys {
		if x, ok := s.m.Load(k); ok {
			m[k] = x.(V)
		}
	}
	return len(m), nil
}

// Close does nothing.
func (s *SyncMap[V]) Close() error { return nil }
