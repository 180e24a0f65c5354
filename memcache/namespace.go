package memcache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
)

// genLen is the length of a generation: a random 64-bit number in
// lowercase hex.
const genLen = 16

// newGen returns a fresh random generation. Generations are random rather
// than counted so that a namespace whose generation entry was evicted gets
// a new generation, never one that its old entries were written under.
func newGen() string {
	return fmt.Sprintf("%016x", rand.Uint64())
}

// parseGen returns the generation held by the value of a generation entry.
func parseGen(val []byte) (string, error) {
	if len(val) != genLen {
		return "", ErrCorruptGeneration
	}
	for _, c := range val {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", ErrCorruptGeneration
		}
	}
	return string(val), nil
}

// genOf returns the generation held by val, the value of a generation
// entry: seen's own string when it holds the same (no allocation on the
// common path), else a new one.
func genOf(val []byte, seen *seenGen) (string, error) {
	if seen != nil && string(val) == seen.gen {
		return seen.gen, nil
	}
	return parseGen(val)
}

// cachedGen returns the generation of sp last seen by this store (nil if
// none), and whether it was read within Options.GenerationTTL, so that a
// read may trust it without reading it again.
func (s *Store) cachedGen(sp *space) (seen *seenGen, fresh bool) {
	seen = sp.seen.Load()
	if seen == nil || s.genTTL <= 0 {
		return seen, false
	}
	return seen, time.Now().UnixNano()-seen.at.Load() < int64(s.genTTL)
}

// rememberGen records gen as the generation of sp, read now.
func (s *Store) rememberGen(sp *space, gen string) {
	var now int64
	if s.genTTL > 0 {
		now = time.Now().UnixNano()
	}
	if seen := sp.seen.Load(); seen != nil && seen.gen == gen {
		if s.genTTL > 0 {
			seen.at.Store(now)
		}
		return
	}
	seen := &seenGen{gen: gen}
	seen.at.Store(now)
	sp.seen.Store(seen)
}

// currentGen reads the generation of namespace ns, whose state is sp, from
// memcached. If ns has none, it creates one when create is set (with add,
// so that concurrent creators agree on one) and reports ok == false
// otherwise. op and key name the operation for errors.
func (s *Store) currentGen(ctx context.Context, op, key, ns string, sp *space, create bool) (gen string, ok bool, err error) {
	for range maxAttempts {
		it, err := s.get(ctx, sp.genKey)
		err = after(ctx, err)
		switch {
		case err == nil:
			gen, err := genOf(it.Value, sp.seen.Load())
			if err != nil {
				return "", false, opError(op, key, fmt.Errorf("namespace %s: %w", quoteKey(ns), err))
			}
			s.rememberGen(sp, gen)
			return gen, true, nil
		case !isMiss(err):
			return "", false, opError(op, key, fmt.Errorf("read generation of namespace %s: %w", quoteKey(ns), err))
		case !create:
			sp.seen.Store(nil)
			return "", false, nil
		}
		gen = newGen()
		// An add whose reply was lost is safe to send again: if the first
		// landed, the second is not stored and the loop reads it.
		item := &gm.Item{Key: sp.genKey, Value: []byte(gen)}
		err = s.client.Add(item)
		if s.again(ctx, err) {
			err = s.client.Add(item)
		}
		switch err = after(ctx, err); {
		case err == nil:
			s.rememberGen(sp, gen)
			return gen, true, nil
		case !isNotStored(err):
			return "", false, opError(op, key, fmt.Errorf("create generation of namespace %s: %w", quoteKey(ns), err))
		}
		// Another client created it first: read theirs.
	}
	return "", false, opError(op, key, fmt.Errorf("create generation of namespace %s: %w", quoteKey(ns), ErrContention))
}

// writeKey returns the memcached key that a write of key goes to. A
// namespaced key costs one round trip: the generation is read (and created
// if missing) inside the operation, never taken from an earlier one.
func (s *Store) writeKey(ctx context.Context, op, key string) (string, error) {
	ns, rest, ok := s.split(key)
	if !ok {
		return plainKey(key), nil
	}
	gen, _, err := s.currentGen(ctx, op, key, ns, s.spaces.get(ns), true)
	if err != nil {
		return "", err
	}
	return namespacedKey(ns, gen, rest), nil
}

// existingKey returns the memcached key that key lives under now, or ""
// when its namespace has no generation (so the key cannot exist). It costs
// a round trip for a namespaced key and none otherwise.
func (s *Store) existingKey(ctx context.Context, op, key string) (string, error) {
	ns, rest, ok := s.split(key)
	if !ok {
		return plainKey(key), nil
	}
	gen, ok, err := s.currentGen(ctx, op, key, ns, s.spaces.get(ns), false)
	if err != nil || !ok {
		return "", err
	}
	return namespacedKey(ns, gen, rest), nil
}

// lookup reads key. It returns the memcached key that key lives under now
// ("" when its namespace has no generation) and its item, nil for a miss.
//
// A key without a namespace costs one round trip. A namespaced key costs
// one in the common case: the generation entry and the key at the
// generation last seen are fetched together, and a second trip is needed
// only when the generation changed since (or was never seen).
func (s *Store) lookup(ctx context.Context, op, key string) (mkey string, it *gm.Item, err error) {
	ns, rest, ok := s.split(key)
	if !ok {
		mkey = plainKey(key)
		it, err = s.get(ctx, mkey)
		return s.found(ctx, op, key, mkey, it, err)
	}
	sp := s.spaces.get(ns)
	seen, fresh := s.cachedGen(sp)
	if fresh {
		mkey = namespacedKey(ns, seen.gen, rest)
		it, err = s.get(ctx, mkey)
		return s.found(ctx, op, key, mkey, it, err)
	}
	if seen == nil {
		gen, ok, err := s.currentGen(ctx, op, key, ns, sp, false)
		if err != nil || !ok {
			return "", nil, err
		}
		mkey = namespacedKey(ns, gen, rest)
		it, err = s.get(ctx, mkey)
		return s.found(ctx, op, key, mkey, it, err)
	}
	mkey = namespacedKey(ns, seen.gen, rest)
	items, err := s.getMulti(ctx, []string{sp.genKey, mkey})
	if err = after(ctx, err); err != nil {
		return "", nil, opError(op, key, err)
	}
	gi := items[sp.genKey]
	if gi == nil {
		sp.seen.Store(nil)
		return "", nil, nil
	}
	gen, err := genOf(gi.Value, seen)
	if err != nil {
		return "", nil, opError(op, key, fmt.Errorf("namespace %s: %w", quoteKey(ns), err))
	}
	s.rememberGen(sp, gen)
	if gen == seen.gen {
		return mkey, items[mkey], nil
	}
	mkey = namespacedKey(ns, gen, rest)
	it, err = s.get(ctx, mkey)
	return s.found(ctx, op, key, mkey, it, err)
}

// found turns the result of a Get of mkey into lookup's results.
func (s *Store) found(ctx context.Context, op, key, mkey string, it *gm.Item, err error) (string, *gm.Item, error) {
	err = after(ctx, err)
	switch {
	case err == nil:
		return mkey, it, nil
	case isMiss(err):
		return mkey, nil, nil
	default:
		return "", nil, opError(op, key, err)
	}
}
