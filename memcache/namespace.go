package memcache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
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

// genKeyOf returns genKey(ns), remembered: it costs a SHA-256.
func (s *Store) genKeyOf(ns string) string {
	if k, ok := s.genKeys.Load(ns); ok {
		return k.(string)
	}
	k := genKey(ns)
	s.genKeys.Store(ns, k)
	return k
}

// seenGen is a generation this store read, and when it last checked it
// (UnixNano), updated in place so that a read that finds it unchanged
// allocates nothing.
type seenGen struct {
	gen string
	at  atomic.Int64
}

// cachedGen returns the generation of ns last seen by this store, and
// whether it was read within Options.GenerationTTL, so that a read may
// trust it without reading it again.
func (s *Store) cachedGen(ns string) (gen string, ok, fresh bool) {
	g, ok := s.gens.Load(ns)
	if !ok {
		return "", false, false
	}
	seen := g.(*seenGen)
	return seen.gen, true, s.genTTL > 0 && time.Now().UnixNano()-seen.at.Load() < int64(s.genTTL)
}

// rememberGen records gen as the generation of ns, read now.
func (s *Store) rememberGen(ns, gen string) {
	now := time.Now().UnixNano()
	if g, ok := s.gens.Load(ns); ok {
		if seen := g.(*seenGen); seen.gen == gen {
			seen.at.Store(now)
			return
		}
	}
	seen := &seenGen{gen: gen}
	seen.at.Store(now)
	s.gens.Store(ns, seen)
}

// currentGen reads the generation of namespace ns from memcached. If ns has
// none, it creates one when create is set (with add, so that concurrent
// creators agree on one) and reports ok == false otherwise. op and key name
// the operation for errors.
func (s *Store) currentGen(ctx context.Context, op, key, ns string, create bool) (gen string, ok bool, err error) {
	gk := s.genKeyOf(ns)
	for range maxAttempts {
		it, err := s.client.Get(gk)
		err = after(ctx, err)
		switch {
		case err == nil:
			gen, err := parseGen(it.Value)
			if err != nil {
				return "", false, opError(op, key, fmt.Errorf("namespace %s: %w", quoteKey(ns), err))
			}
			s.rememberGen(ns, gen)
			return gen, true, nil
		case !isMiss(err):
			return "", false, opError(op, key, fmt.Errorf("read generation of namespace %s: %w", quoteKey(ns), err))
		case !create:
			s.gens.Delete(ns)
			return "", false, nil
		}
		gen = newGen()
		err = after(ctx, s.client.Add(&gm.Item{Key: gk, Value: []byte(gen)}))
		switch {
		case err == nil:
			s.rememberGen(ns, gen)
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
	gen, _, err := s.currentGen(ctx, op, key, ns, true)
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
	gen, ok, err := s.currentGen(ctx, op, key, ns, false)
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
		it, err = s.client.Get(mkey)
		return s.found(ctx, op, key, mkey, it, err)
	}
	seen, ok, fresh := s.cachedGen(ns)
	if fresh {
		mkey = namespacedKey(ns, seen, rest)
		it, err = s.client.Get(mkey)
		return s.found(ctx, op, key, mkey, it, err)
	}
	if !ok {
		gen, ok, err := s.currentGen(ctx, op, key, ns, false)
		if err != nil || !ok {
			return "", nil, err
		}
		mkey = namespacedKey(ns, gen, rest)
		it, err = s.client.Get(mkey)
		return s.found(ctx, op, key, mkey, it, err)
	}
	gk, mkey := s.genKeyOf(ns), namespacedKey(ns, seen, rest)
	items, err := s.client.GetMulti([]string{gk, mkey})
	if err = after(ctx, err); err != nil {
		return "", nil, opError(op, key, err)
	}
	gi := items[gk]
	if gi == nil {
		s.gens.Delete(ns)
		return "", nil, nil
	}
	gen, err := parseGen(gi.Value)
	if err != nil {
		return "", nil, opError(op, key, fmt.Errorf("namespace %s: %w", quoteKey(ns), err))
	}
	if gen == seen {
		s.rememberGen(ns, gen)
		return mkey, items[mkey], nil
	}
	s.rememberGen(ns, gen)
	mkey = namespacedKey(ns, gen, rest)
	it, err = s.client.Get(mkey)
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
