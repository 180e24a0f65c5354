package rueidis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
)

// MultiGet returns one value per key, in order: nil for a miss and a
// non-nil slice (possibly empty) for a hit.
//
// It reads with MGET: one MGET of all keys on a standalone server; on a
// Cluster, where the keys of one MGET must share a hash slot, one MGET per
// slot, all sent as a single pipeline that rueidis splits by node, so the
// call takes one round trip per node, in parallel. (On a standalone server
// one MGET is several times faster than a pipeline of GETs from about 100
// keys: see BenchmarkMultiGetShape.) As MGET does, a key that holds a
// value of another type than string reads as a miss.
func (s *Store) MultiGet(ctx context.Context, keys []string) ([][]byte, error) {
	const op = "multi-get"
	if len(keys) == 0 {
		return make([][]byte, 0), s.none(ctx, op)
	}
	if s.cached() {
		return s.multiGetCached(ctx, op, keys)
	}
	return s.multiGetDirect(ctx, op, keys)
}

// multiGetDirect is MultiGet from Redis, past the near cache.
func (s *Store) multiGetDirect(ctx context.Context, op string, keys []string) ([][]byte, error) {
	vals := make([][]byte, len(keys))
	if s.client.Mode() != rd.ClientModeCluster {
		msg, err := s.do(ctx, op, keys[0], s.client, again, func() rd.Completed { return readCmd(s.client.B(), "MGET", keys) })
		if err != nil {
			return nil, err
		}
		arr, err := msg.ToArray()
		if err == nil {
			err = fillValues(vals, arr, nil, keys)
		}
		if err != nil {
			return nil, wrap(ctx, op, keys[0], err)
		}
		return vals, nil
	}
	// order lists the positions in keys sorted by hash slot, so that each
	// run of one slot in it becomes one MGET: one slice and one sort
	// instead of a slice per slot.
	slots := make([]uint16, len(keys))
	order := make([]int, len(keys))
	for i, key := range keys {
		slots[i], order[i] = keySlot(key), i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(slots[a], slots[b]) })
	var groups [][]int // runs of order, one per slot
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && slots[order[end]] == slots[order[start]] {
			end++
		}
		groups = append(groups, order[start:end])
		start = end
	}
	build := func() rd.Commands {
		cmds := make(rd.Commands, len(groups))
		slotKeys := make([]string, 0, len(keys))
		for g, group := range groups {
			slotKeys = slotKeys[:0]
			for _, i := range group {
				slotKeys = append(slotKeys, keys[i])
			}
			cmds[g] = readCmd(s.client.B(), "MGET", slotKeys)
		}
		return cmds
	}
	results, err := s.doMulti(ctx, op, keys[0], again, build)
	if err != nil {
		return nil, err
	}
	for g, res := range results {
		first := keys[groups[g][0]]
		arr, err := res.ToArray()
		if err != nil {
			return nil, wrap(ctx, "multi-get", first, err)
		}
		if err := fillValues(vals, arr, groups[g], keys); err != nil {
			return nil, wrap(ctx, "multi-get", first, err)
		}
	}
	return vals, nil
}

// fillValues stores the values of an MGET reply in vals: arr[j] at
// position idx[j], or at j when idx is nil.
func fillValues(vals [][]byte, arr []rd.RedisMessage, idx []int, keys []string) error {
	want := len(keys)
	if idx != nil {
		want = len(idx)
	}
	if len(arr) != want {
		return fmt.Errorf("MGET answered %d values for %d keys", len(arr), want)
	}
	for j := range arr {
		i := j
		if idx != nil {
			i = idx[j]
		}
		val, err := msgValue(&arr[j])
		if err != nil {
			return fmt.Errorf("value of %q: %w", keys[i], err)
		}
		vals[i] = val
	}
	return nil
}

// msgValue returns nil for a nil reply and the value of a hit otherwise.
func msgValue(msg *rd.RedisMessage) ([]byte, error) {
	if msg.IsNil() {
		return nil, nil
	}
	return hitBytes(msg)
}

// MultiSet writes vals[i] under keys[i], all with ttl, as one pipeline of
// SET commands (with PX when ttl > 0): one round trip, split by node on a
// Cluster. The writes are not atomic as a group; on error, some may have
// been applied.
func (s *Store) MultiSet(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error {
	if len(keys) == 0 {
		return s.none(ctx, "multi-set")
	}
	for i, key := range keys {
		s.markWrite(key, vals[i])
	}
	build := func() rd.Commands {
		cmds := make(rd.Commands, len(keys))
		for i, key := range keys {
			cmds[i] = s.setCmd(ctx, key, vals[i], ttl)
		}
		return cmds
	}
	results, err := s.doMulti(ctx, "multi-set", keys[0], again, build)
	if err != nil {
		return err
	}
	for i, res := range results {
		if err := res.Error(); err != nil {
			return wrap(ctx, "multi-set", keys[i], err)
		}
	}
	return nil
}

// none is the outcome of a multi-key call of no keys: nothing to send, but
// a closed store or an ended ctx says so.
func (s *Store) none(ctx context.Context, op string) error {
	if s.closed.Load() {
		return opError(op, "", cache.ErrClosed)
	}
	return ctxerr.Err(ctx)
}

// MultiGetTTL returns one value per key, in order, as MultiGet does (nil
// for a miss), and the time each has left (0 for none, and for a miss):
// a GET and a PTTL per key in one pipeline, which rueidis splits by node
// on a Cluster, so the call takes one round trip. Package loader reads a
// value, its age and the mark of its absence with it. It always reads
// Redis, never the near cache, as GetTTL does.
func (s *Store) MultiGetTTL(ctx context.Context, keys []string) ([][]byte, []time.Duration, error) {
	const op = "multi-get-ttl"
	if len(keys) == 0 {
		return make([][]byte, 0), make([]time.Duration, 0), s.none(ctx, op)
	}
	results, err := s.doMulti(ctx, op, keys[0], again, func() rd.Commands {
		b := s.client.B()
		cmds := make(rd.Commands, 0, 2*len(keys))
		for _, key := range keys {
			cmds = append(cmds, readCmd(b, "GET", []string{key}), readCmd(b, "PTTL", []string{key}))
		}
		return cmds
	})
	if err != nil {
		return nil, nil, err
	}
	vals, ttls := make([][]byte, len(keys)), make([]time.Duration, len(keys))
	for i, key := range keys {
		msg, err := reply(ctx, op, key, results[2*i])
		switch {
		case rd.IsRedisNil(err), isWrongType(err):
			continue // a miss; as MGET, a key of another type reads as one
		case err != nil:
			return nil, nil, err
		}
		if vals[i], err = hitBytes(&msg); err != nil {
			return nil, nil, wrap(ctx, op, key, err)
		}
		ms, err := results[2*i+1].AsInt64()
		if err != nil {
			return nil, nil, wrap(ctx, op, key, err)
		}
		if ms > 0 {
			ttls[i] = time.Duration(ms) * time.Millisecond
		}
	}
	return vals, ttls, nil
}

// isWrongType reports whether err is Redis' WRONGTYPE error: a command for
// strings on a key of another type.
func isWrongType(err error) bool {
	var re *rd.RedisError
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), "WRONGTYPE")
}

var _ cache.MultiTTLGetter = (*Store)(nil)

// MultiGetVersion returns one value per key, in order, as MultiGet does
// (nil for a miss), and the version of each found: the bytes read, as
// GetVersion's. It reads Redis itself, never the near cache (one MGET, or
// one per hash slot on a Cluster, pipelined): package loader reads a key
// and the mark of its absence with it under the key's lock.
func (s *Store) MultiGetVersion(ctx context.Context, keys []string) ([][]byte, []cache.Version, error) {
	const op = "multi-get-version"
	if len(keys) == 0 {
		return make([][]byte, 0), make([]cache.Version, 0), s.none(ctx, op)
	}
	vals, err := s.multiGetDirect(ctx, op, keys)
	if err != nil {
		return nil, nil, err
	}
	vers := make([]cache.Version, len(keys))
	for i, v := range vals {
		if v != nil {
			vers[i] = version(v)
		}
	}
	return vals, vers, nil
}

var _ cache.MultiVersionGetter = (*Store)(nil)
