package rueidis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
)

// addFencedScript adds KEYS[1] with the value ARGV[1] (and PX ARGV[2]
// unless it is "0") if it is absent and, if it did, draws the next fencing
// token from the counter KEYS[2]: the greater of the counter plus one and
// the server's clock in microseconds, written back with PX ARGV[3]. It
// returns the token, or -1 if KEYS[1] was there. The clock makes a counter
// that was lost (evicted, cleared, or not yet replicated when a replica was
// promoted) restart above every token drawn before it; the counter makes
// tokens drawn within one microsecond, or after the clock stepped back,
// grow still. Tokens stay below 2^53, where Lua's numbers are exact.
var addFencedScript = rd.NewLuaScript(`
local ok
if ARGV[2] == '0' then
	ok = redis.call('SET', KEYS[1], ARGV[1], 'NX')
else
	ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
end
if not ok then
	return -1
end
local t = redis.call('TIME')
local fence = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(redis.call('GET', KEYS[2]) or '')
if n and n >= fence then
	fence = n + 1
end
fence = string.format('%d', fence)
redis.call('SET', KEYS[2], fence, 'PX', ARGV[3])
return fence`)

// fenceTTL is how long a counter of fencing tokens lives after its last
// token: as the counter that package cache keeps for a store that is no
// Fencer, whose key it shares.
const fenceTTL = 24 * time.Hour

// errFenceSlot is the error of AddFenced for a key whose counter lies in
// another hash slot of a Cluster: it matches errors.ErrUnsupported, so that
// the Cache takes its two steps for that key (see cache.Fencer).
var errFenceSlot = fmt.Errorf("%w: the key's fence counter is in another hash slot; give the key a hash tag", errors.ErrUnsupported)

// AddFenced writes token under key with the given ttl if key is absent, as
// Add does, and if it did, returns the next fencing token of key, in the
// same script (one round trip): lock.Red's acquisition with its fence. The
// counter is at key+cache.FenceSuffix, where a Cache keeps it on a store
// that is no Fencer, so that both kinds of callers draw from one counter.
// On a Cluster, the two keys must lie in one hash slot, as they do for a
// key with a hash tag ("{user:42}-lock"): for another key, AddFenced
// returns an error that matches errors.ErrUnsupported, and the Cache adds
// and draws in two steps. Like Add, it is never sent twice.
func (s *Store) AddFenced(ctx context.Context, key string, token []byte, ttl time.Duration) (fence uint64, added bool, err error) {
	const op = "add-fenced"
	counter := key + cache.FenceSuffix
	if s.client.Mode() == rd.ClientModeCluster && keySlot(counter) != keySlot(key) {
		return 0, false, opError(op, key, errFenceSlot)
	}
	m, prev := s.markWrite(key, token)
	cm, cprev := s.markUnknown(counter)
	msg, err := s.exec(ctx, op, never, addFencedScript, []string{key, counter},
		[]string{arg(ctx, token), strconv.FormatInt(millis(ttl), 10), strconv.FormatInt(fenceTTL.Milliseconds(), 10)})
	if err != nil {
		return 0, false, err
	}
	n, err := msg.AsInt64()
	if err != nil || n < 0 {
		s.unmark(key, m, prev)
		s.unmark(counter, cm, cprev)
		return 0, false, wrapNonNil(ctx, op, key, err)
	}
	return uint64(n), true, nil
}

var _ cache.Fencer = (*Store)(nil)
