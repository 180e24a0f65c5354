package rueidis

import (
	"context"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
)

// This file is the near cache of Options.ClientSideCache: the reads that
// rueidis may answer from the memory of the client (DoCache), kept
// coherent by Redis' invalidations (RESP3 tracking).

// cached reports whether reads go through the near cache.
func (s *Store) cached() bool { return s.opts.ClientSideCache > 0 }

// markWrite, markRemove and markUnknown are called before each write of
// key, by what the write will leave there: val, the key's absence, or
// what the store will know only later. With a near cache they mark the key
// (see ownWrites) and return the mark and the one it replaced, for unmark;
// without one they do nothing and return nils.
func (s *Store) markWrite(key string, val []byte) (m, prev *mark) {
	if !s.cached() {
		return nil, nil
	}
	m = wrote(val)
	return m, s.own.set(key, m)
}

func (s *Store) markRemove(key string) (m, prev *mark) {
	if !s.cached() {
		return nil, nil
	}
	m = removed()
	return m, s.own.set(key, m)
}

func (s *Store) markUnknown(key string) (m, prev *mark) {
	if !s.cached() {
		return nil, nil
	}
	m = unknown()
	return m, s.own.set(key, m)
}

// unmark takes back m, the mark of a write of key that changed nothing.
func (s *Store) unmark(key string, m, prev *mark) {
	if m != nil {
		s.own.undo(key, m, prev)
	}
}

// doCache reads the cacheable command that build makes, as do sends a
// command: through rueidis' client-side cache, each entry kept at most
// Options.ClientSideCache.
//
// rueidis sends every cacheable command again on its own after a broken
// connection (there is no way to build one that it does not), and then
// recycles it while the broken connection's writer may still read it (see
// do). So the command is pinned: never recycled, left to the garbage
// collector, at the cost of its allocations. The store adds no resend of
// its own beyond that of do after a foreign dial timeout.
func (s *Store) doCache(ctx context.Context, op, key string, build func() rd.Cacheable) (rd.RedisMessage, error) {
	if s.closed.Load() {
		return rd.RedisMessage{}, opError(op, key, cache.ErrClosed)
	}
	res := s.sendCache(ctx, build().Pin())
	for attempts := 1; s.retry(ctx, never, attempts, res.NonRedisError()); attempts++ {
		res = s.sendCache(ctx, build().Pin())
	}
	return reply(ctx, op, key, res)
}

// multiGetCached reads keys with one cacheable GET each, in one pipeline
// (split by node on a Cluster); the hits of the client-side cache need no
// round trip.
func (s *Store) multiGetCached(ctx context.Context, op string, keys []string) ([][]byte, error) {
	if s.closed.Load() {
		return nil, opError(op, keys[0], cache.ErrClosed)
	}
	var marks []*mark // of the keys the store wrote lately (see ownWrites)
	for i, key := range keys {
		if m := s.own.lookup(key); m != nil {
			if marks == nil {
				marks = make([]*mark, len(keys))
			}
			marks[i] = m
		}
	}
	build := func() []rd.CacheableTTL {
		cmds := make([]rd.CacheableTTL, len(keys))
		for i, key := range keys {
			cmds[i] = rd.CT(s.client.B().Get().Key(key).Cache().Pin(), s.opts.ClientSideCache) // see doCache
		}
		return cmds
	}
	results := s.sendMultiCache(ctx, build())
	for attempts := 1; s.retry(ctx, never, attempts, firstNonRedisError(results)); attempts++ {
		results = s.sendMultiCache(ctx, build())
	}
	vals := make([][]byte, len(keys))
	for i, res := range results {
		msg, err := reply(ctx, op, keys[i], res)
		if rd.IsRedisNil(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if vals[i], err = hitBytes(&msg); err != nil {
			return nil, wrap(ctx, op, keys[i], err)
		}
	}
	for i, m := range marks {
		if m != nil && !s.own.agrees(keys[i], m, vals[i], vals[i] != nil) {
			return s.multiGetDirect(ctx, op, keys)
		}
	}
	return vals, nil
}
