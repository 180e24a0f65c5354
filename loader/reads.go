package loader

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// readShards is the number of shards of a reads table: enough that
// callers of different keys on two cores seldom wait for each other's
// lock.
const readShards = 64

// reads shares the reads of a key that callers of Get start while one is
// under way: the others wait for it instead of sending the same read. On a
// remote store, a stampede of callers arriving together (a key that just
// expired, a cold start) then costs the store one read per process, not
// one per caller, and the read that finds the key missing starts the
// flight sooner. A store that holds values in process (cache.ValueStore)
// answers faster than a caller could wait, and its reads are not shared.
type reads[K comparable, V any] struct {
	seed   maphash.Seed
	shards [readShards]readShard[K, V]
}

type readShard[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*read[V]
}

// read is one Cache.Get, shared by the callers that want its key while it
// runs.
type read[V any] struct {
	done    chan struct{} // closed when val, found and err are set
	val     V
	found   bool
	err     error
	waiters atomic.Int32 // callers waiting for it (tests watch it)
}

func newReads[K comparable, V any]() *reads[K, V] {
	return &reads[K, V]{seed: maphash.MakeSeed()}
}

// get returns what get reads for key: the caller's own read if none of key
// is under way (shared == false), else the one under way (shared ==
// true), or ctx's error if ctx ends first. A shared read that failed for
// its own caller's ctx is no answer for this caller: then it reads itself.
func (r *reads[K, V]) get(ctx context.Context, key K, get func() (V, bool, error)) (v V, found bool, err error, shared bool) {
	sh := &r.shards[maphash.Comparable(r.seed, key)%readShards]
	sh.mu.Lock()
	rd := sh.m[key]
	if rd == nil {
		rd = &read[V]{done: make(chan struct{})}
		if sh.m == nil {
			sh.m = make(map[K]*read[V])
		}
		sh.m[key] = rd
		sh.mu.Unlock()
		rd.val, rd.found, rd.err = get()
		sh.mu.Lock()
		delete(sh.m, key)
		sh.mu.Unlock()
		close(rd.done)
		return rd.val, rd.found, rd.err, false
	}
	sh.mu.Unlock()
	rd.waiters.Add(1)
	select {
	case <-rd.done:
	case <-ctx.Done():
		return v, false, ctx.Err(), true
	}
	if isCtxErr(rd.err) && ctx.Err() == nil {
		v, found, err = get()
		return v, found, err, false
	}
	return rd.val, rd.found, rd.err, true
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
