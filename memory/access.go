package memory

import "time"

// This file holds the primitives that both the byte methods and the value
// methods are built on. They take no context and do not check whether the
// store is closed: their callers do.

// load returns the value and version of key and whether it is present and
// unexpired, recording the read for the eviction policy when touch is set.
// It takes no lock (unless a writer keeps changing the entry) and writes
// nothing shared once the entry's read counter is at its cap. An expired
// entry it finds is removed afterwards under the lock.
func (s *Store) load(key string, touch bool) (snap snapshot, found bool) {
	snap, found, _ = s.loadClock(key, touch)
	return snap, found
}

// loadClock is load, and also returns the time it read to check the
// entry's expiry: 0 when it read none (a value with no expiry). A caller
// that tells the time left reads the clock once.
func (s *Store) loadClock(key string, touch bool) (snap snapshot, found bool, now int64) {
	h := s.hash(key)
	sh := s.shardOf(h)
	e := sh.tab.Load().find(key, h)
	if e == nil {
		return snap, false, 0
	}
	snap, ok, retry := e.read()
	if !ok && !retry {
		// Removed, or replaced by an entry of the other kind (see
		// shard.update): the table says which.
		if e = sh.tab.Load().find(key, h); e == nil {
			return snap, false, 0
		}
		snap, ok, retry = e.read()
	}
	if retry || !ok {
		return s.loadLocked(sh, key, h, touch)
	}
	if snap.expires != 0 {
		if now = s.now(); now >= snap.expires {
			s.dropExpired(sh, key, h)
			return snapshot{}, false, now
		}
	}
	if touch {
		e.touch()
		if sh.counting.Load() {
			sh.countHit(e)
		}
	}
	return snap, true, now
}

// loadLocked is load under the shard's lock, for an entry that writers
// kept changing while load tried to read it.
func (s *Store) loadLocked(sh *shard, key string, h uint64, touch bool) (snapshot, bool, int64) {
	now := s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.live(key, h, now)
	if e == nil {
		return snapshot{}, false, now
	}
	if touch {
		e.touch()
		if sh.counting.Load() {
			sh.countHit(e)
		}
	}
	return e.locked(), true, now
}

// dropExpired removes the entry of key from sh if it has expired.
func (s *Store) dropExpired(sh *shard, key string, h uint64) {
	now := s.now()
	sh.mu.Lock()
	sh.live(key, h, now)
	sh.mu.Unlock()
}

// put writes val under key with ttl and returns the entry's new version.
// With onlyIfAbsent it writes only if key is absent or expired, and
// reports whether it wrote.
//
// It reads the clock only when something depends on it: a ttl, an entry
// that expires, a shard with entries that do. A write without one costs
// no clock reading (a large part of a write on a virtual machine).
func (s *Store) put(key string, val stored, ttl time.Duration, onlyIfAbsent bool) (ver uint64, ok bool) {
	h := s.hash(key)
	sh := s.shardOf(h)
	var now int64
	if ttl > 0 {
		now = s.now()
	}
	exp := expiresAt(now, ttl)
	sh.mu.Lock()
	if ttl <= 0 && sh.ttl > 0 {
		now = s.now()
	}
	e := sh.live(key, h, now)
	switch {
	case e == nil:
		e = sh.insert(key, h, val, exp, now)
	case onlyIfAbsent:
		sh.mu.Unlock()
		return 0, false
	default:
		e = sh.update(e, h, val, exp)
	}
	ver = e.version()
	sh.mu.Unlock()
	return ver, true
}

// swap writes val under key with ttl only if the key's live entry has the
// version ver (a uint64; any other type never matches), or unconditionally
// for ver == nil. It returns the new version and whether it wrote.
func (s *Store) swap(key string, ver any, val stored, ttl time.Duration) (newVer uint64, ok bool) {
	if ver == nil {
		return s.put(key, val, ttl, false)
	}
	want, isOurs := ver.(uint64)
	if !isOurs {
		return 0, false
	}
	h := s.hash(key)
	sh := s.shardOf(h)
	now := s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.live(key, h, now)
	if e == nil || e.version() != want {
		return 0, false
	}
	e = sh.update(e, h, val, expiresAt(now, ttl))
	return e.version(), true
}

// withLive runs f on the live entry of key under the shard's lock (e ==
// nil if the key is absent or expired) and returns f's result.
func withLive[T any](s *Store, key string, f func(sh *shard, e *entry, h uint64, now int64) T) T {
	h := s.hash(key)
	sh := s.shardOf(h)
	now := s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return f(sh, sh.live(key, h, now), h, now)
}
