package client

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	rd "github.com/redis/rueidis"
)

// compareAndDelete deletes KEYS[1] if it holds ARGV[1].
var compareAndDelete = rd.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// RawLock is the least a correct lease lock on Redis costs: SET NX PX with
// a random token to take it, a compare-and-delete script to release it,
// two round trips through a rueidis client. It is the baseline of the
// uncontended lock benchmark, not a library.
type RawLock struct {
	c     rd.Client
	lease time.Duration
}

var _ Lock = (*RawLock)(nil)

// NewRawLock returns locks with the given lease over client; Close closes
// the client.
func NewRawLock(client rd.Client, lease time.Duration) *RawLock {
	return &RawLock{c: client, lease: lease}
}

// Name returns "raw".
func (r *RawLock) Name() string { return "raw" }

// TryLock sends SET key token NX PX lease.
func (r *RawLock) TryLock(ctx context.Context, key string) (func(context.Context) error, error) {
	token := rand.Text()
	err := r.c.Do(ctx, r.c.B().Set().Key(key).Value(token).Nx().PxMilliseconds(r.lease.Milliseconds()).Build()).Error()
	if rd.IsRedisNil(err) {
		return nil, ErrHeld
	}
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		n, err := compareAndDelete.Exec(ctx, r.c, []string{key}, []string{token}).AsInt64()
		if err == nil && n != 1 {
			err = fmt.Errorf("client: release %q: the lock was lost", key)
		}
		return err
	}, nil
}

// Close closes the client.
func (r *RawLock) Close() error {
	r.c.Close()
	return nil
}

// addFenced sets KEYS[1] to ARGV[1] with a lease of ARGV[2] ms if it is
// absent and then returns the increment of the counter KEYS[2]; 0 if the
// key was present.
var addFenced = rd.NewLuaScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return redis.call('INCR', KEYS[2])
end
return 0`)

// RawFencedLock is RawLock with a fencing token: one script sets the key
// if absent and increments a counter beside it, the other is RawLock's
// compare-and-delete. It is the least a lease lock with fencing tokens
// costs on Redis, two round trips as RawLock, and tells what of
// cachekit's cost over RawLock the fence itself explains.
type RawFencedLock struct {
	c     rd.Client
	lease time.Duration
}

var _ Lock = (*RawFencedLock)(nil)

// NewRawFencedLock returns fenced locks with the given lease over client;
// Close closes the client.
func NewRawFencedLock(client rd.Client, lease time.Duration) *RawFencedLock {
	return &RawFencedLock{c: client, lease: lease}
}

// Name returns "raw-fenced".
func (r *RawFencedLock) Name() string { return "raw-fenced" }

// TryLock runs the add-and-fence script on key and key+"-fence" (the same
// hash slot in a Cluster: a hash tag would be needed there; the benchmarks
// run it on a standalone server).
func (r *RawFencedLock) TryLock(ctx context.Context, key string) (func(context.Context) error, error) {
	token := rand.Text()
	fence, err := addFenced.Exec(ctx, r.c, []string{key, key + "-fence"},
		[]string{token, strconv.FormatInt(r.lease.Milliseconds(), 10)}).AsInt64()
	switch {
	case err != nil:
		return nil, err
	case fence == 0:
		return nil, ErrHeld
	}
	return func(ctx context.Context) error {
		n, err := compareAndDelete.Exec(ctx, r.c, []string{key}, []string{token}).AsInt64()
		if err == nil && n != 1 {
			err = fmt.Errorf("client: release %q: the lock was lost", key)
		}
		return err
	}, nil
}

// Close closes the client.
func (r *RawFencedLock) Close() error {
	r.c.Close()
	return nil
}

// RawMemcachedLock is the floor of a lease lock on memcached: add with the
// lease as expiry to take it, delete to release it, two round trips
// through gomemcache. It is not a correct lock (the delete does not check
// that the entry still holds this holder's token: memcached's text
// protocol, as gomemcache speaks it, has no compare-and-delete), only the
// least any lease lock on memcached costs.
type RawMemcachedLock struct {
	c     *gm.Client
	lease time.Duration
}

var _ Lock = (*RawMemcachedLock)(nil)

// NewRawMemcachedLock returns locks with the given lease (whole seconds,
// at least one) over client; Close closes its idle connections.
func NewRawMemcachedLock(client *gm.Client, lease time.Duration) *RawMemcachedLock {
	return &RawMemcachedLock{c: client, lease: lease}
}

// Name returns "raw".
func (r *RawMemcachedLock) Name() string { return "raw" }

// TryLock sends add key token lease.
func (r *RawMemcachedLock) TryLock(_ context.Context, key string) (func(context.Context) error, error) {
	err := r.c.Add(&gm.Item{Key: key, Value: []byte(rand.Text()), Expiration: int32(max(r.lease/time.Second, 1))})
	if errors.Is(err, gm.ErrNotStored) {
		return nil, ErrHeld
	}
	if err != nil {
		return nil, err
	}
	return func(context.Context) error { return r.c.Delete(key) }, nil
}

// Close closes the client's idle connections.
func (r *RawMemcachedLock) Close() error { return r.c.Close() }
