package client

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

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
