package rueidis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
)

// The scripts run with EVALSHA, falling back to EVAL when the server does
// not know them yet. Each touches only KEYS[1], so it runs on the key's node
// of a Cluster.
var (
	// compareAndDeleteScript deletes KEYS[1] if it holds ARGV[1]: the
	// release script of aiocache's RedLock and of rueidislock.
	compareAndDeleteScript = rd.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

	// compareAndSwapScript sets KEYS[1] to ARGV[2] (with PX ARGV[3] unless
	// it is "0") if it still holds ARGV[1]. A missing key reads as false,
	// which equals no string: a deleted key never matches.
	compareAndSwapScript = rd.NewLuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
	return 0
end
if ARGV[3] == '0' then
	redis.call('SET', KEYS[1], ARGV[2])
else
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1`)

	// compareAndExpireScript gives KEYS[1] a new ttl of ARGV[2]
	// milliseconds, or no expiry if it is "0", if it holds ARGV[1]: the
	// extension of a lock's lease by its holder.
	compareAndExpireScript = rd.NewLuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
	return 0
end
if ARGV[2] == '0' then
	redis.call('PERSIST', KEYS[1])
else
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`)

	// persistScript removes the expiry of KEYS[1] and returns 1 if the key
	// exists (with or without an expiry), else 0.
	persistScript = rd.NewLuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
redis.call('PERSIST', KEYS[1])
return 1`)
)

// version is the Version of this store: the bytes read, since Redis keeps
// no version per key. Only a found key has one, so its presence stands for
// "found"; a string keeps it immutable whatever the caller does with the
// bytes it was given.
type version string

// CompareAndDelete deletes key only if it holds token, atomically (a Lua
// script, the one aiocache's RedLock releases with), and reports whether
// it did. A successful delete wakes the watches of key of this store at
// once, and Redis tells those of every other Store (see Watch).
func (s *Store) CompareAndDelete(ctx context.Context, key string, token []byte) (bool, error) {
	const op = "compare-and-delete"
	m, prev := s.markRemove(key)
	msg, err := s.exec(ctx, op, again, compareAndDeleteScript, []string{key}, []string{arg(ctx, token)})
	if err != nil {
		return false, err
	}
	n, err := msg.AsInt64()
	switch {
	case n == 1:
		s.waiters.Wake(key)
	case err == nil:
		s.unmark(key, m, prev)
	}
	return n == 1, wrapNonNil(ctx, op, key, err)
}

// CompareAndExpire gives key a new ttl (PX; ttl 0 removes its expiry)
// only if it holds token, atomically (a Lua script, run as
// CompareAndDelete's), and reports whether it did: how a lock's holder
// extends its lease. It leaves the value as it was, and is sent again if
// the connection drops before its reply, as CompareAndDelete is.
func (s *Store) CompareAndExpire(ctx context.Context, key string, token []byte, ttl time.Duration) (bool, error) {
	const op = "compare-and-expire"
	m, prev := s.markUnknown(key)
	msg, err := s.exec(ctx, op, again, compareAndExpireScript,
		[]string{key}, []string{arg(ctx, token), strconv.FormatInt(millis(ttl), 10)})
	if err != nil {
		return false, err
	}
	n, err := msg.AsInt64()
	if err == nil && n != 1 {
		s.unmark(key, m, prev)
	}
	return n == 1, wrapNonNil(ctx, op, key, err)
}

// GetVersion returns the value of key and, for a found key, a version for
// CompareAndSwap: the bytes read. A missing key has the nil version, with
// which CompareAndSwap writes unconditionally. It always reads Redis, never
// the near cache: what a compare-and-swap starts from must be current.
func (s *Store) GetVersion(ctx context.Context, key string) ([]byte, cache.Version, bool, error) {
	val, found, err := s.get(ctx, key, false)
	if err != nil || !found {
		return nil, nil, false, err
	}
	return val, version(val), true, nil
}

// CompareAndSwap writes val under key only if key still holds the bytes of
// ver, atomically (a Lua script), and returns the version of what it wrote.
// A key changed or deleted since ver was read does not match; a change that
// restored the same bytes does (Redis keeps no version, so the comparison is
// of the bytes). With ver == nil it writes unconditionally, like Set. A ver
// that this store did not make gives an error.
func (s *Store) CompareAndSwap(ctx context.Context, key string, ver cache.Version, val []byte, ttl time.Duration) (cache.Version, bool, error) {
	const op = "compare-and-swap"
	if ver == nil {
		if err := s.Set(ctx, key, val, ttl); err != nil {
			return nil, false, err
		}
		return version(val), true, nil
	}
	old, ok := ver.(version)
	if !ok {
		return nil, false, opError(op, key, fmt.Errorf("version %T was not made by this store", ver))
	}
	m, prev := s.markWrite(key, val)
	msg, err := s.exec(ctx, op, never, compareAndSwapScript,
		[]string{key}, []string{string(old), arg(ctx, val), strconv.FormatInt(millis(ttl), 10)})
	if err != nil {
		return nil, false, err
	}
	if n, err := msg.AsInt64(); err != nil || n != 1 {
		if err == nil {
			s.unmark(key, m, prev)
		}
		return nil, false, wrapNonNil(ctx, op, key, err)
	}
	return version(val), true, nil
}
