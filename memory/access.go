package memory

import "time"

// This file holds the locked primitives that both the byte methods and the
// value methods are built on. They take no context and do not check
// whether the store is closed: their callers do.

// load returns the value and version of key and whether it is present and
// unexpired, recording the read for the eviction policy when touch is set.
// It takes only the shard's read lock; an expired entry it finds is removed
// afterwards under the write lock.
func (s *Store) load(key string, touch bool) (val any, ver uint64, found bool) {
	sh, _ := s.shard(key)
	sh.mu.RLock()
	e := sh.m[key]
	if e == nil {
		sh.mu.RUnlock()
		return nil, 0, false
	}
	if e.expires != 0 && s.now() >= e.expires {
		sh.mu.RUnlock()
		s.dropExpired(sh, key)
		return nil, 0, false
	}
	if touch && sh.capacity > 0 {
		e.touch()
	}
	val, ver = e.val, e.version
	sh.mu.RUnlock()
	return val, ver, true
}

// loadExpiry returns the value and expiry (in the store's clock, 0 for
// none) of key and whether it is present and unexpired. It does not count
// as a read for eviction.
func (s *Store) loadExpiry(key string) (val any, expires int64, found bool) {
	sh, _ := s.shard(key)
	sh.mu.RLock()
	e := sh.m[key]
	if e == nil || (e.expires != 0 && s.now() >= e.expires) {
		sh.mu.RUnlock()
		return nil, 0, false
	}
	val, expires = e.val, e.expires
	sh.mu.RUnlock()
	return val, expires, true
}

// dropExpired removes the entry of key from sh if it has expired.
func (s *Store) dropExpired(sh *shard, key string) {
	now := s.now()
	sh.mu.Lock()
	sh.live(key, now)
	sh.mu.Unlock()
}

// put writes val under key with ttl and returns the entry's new version.
// With onlyIfAbsent it writes only if key is absent or expired, and
// reports whether it wrote.
func (s *Store) put(key string, val any, ttl time.Duration, onlyIfAbsent bool) (ver uint64, ok bool) {
	sh, h := s.shard(key)
	now := s.now()
	exp := expiresAt(now, ttl)
	sh.mu.Lock()
	e := sh.live(key, now)
	switch {
	case e == nil:
		e = sh.insert(key, h, val, exp, now)
	case onlyIfAbsent:
		sh.mu.Unlock()
		return 0, false
	default:
		sh.update(e, val, exp)
	}
	ver = e.version
	sh.mu.Unlock()
	return ver, true
}

// swap writes val under key with ttl only if the key's live entry has the
// version ver (a uint64; any other type never matches), or unconditionally
// for ver == nil. It returns the new version and whether it wrote.
func (s *Store) swap(key string, ver any, val any, ttl time.Duration) (newVer uint64, ok bool) {
	if ver == nil {
		return s.put(key, val, ttl, false)
	}
	want, isOurs := ver.(uint64)
	if !isOurs {
		return 0, false
	}
	sh, _ := s.shard(key)
	now := s.now()
	sh.mu.Lock()
	e := sh.live(key, now)
	if e == nil || e.version != want {
		sh.mu.Unlock()
		return 0, false
	}
	sh.update(e, val, expiresAt(now, ttl))
	newVer = e.version
	sh.mu.Unlock()
	return newVer, true
}

// withLive runs f on the live entry of key under the shard's write lock
// (e == nil if the key is absent or expired) and returns f's result.
func withLive[T any](s *Store, key string, f func(sh *shard, e *entry, now int64) T) T {
	sh, _ := s.shard(key)
	now := s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return f(sh, sh.live(key, now), now)
}
