package client

import (
	"context"
	"errors"
	"time"

	"github.com/go-redsync/redsync/v4"
	"github.com/go-redsync/redsync/v4/redis/goredis/v9"
	"github.com/redis/go-redis/v9"
)

// Redsync is github.com/go-redsync/redsync/v4 on one Redis through a
// go-redis client, with its default retry policy: a caller that finds the
// lock held sleeps a random 50 to 250ms and tries again, up to 32 times.
type Redsync struct {
	client *redis.Client
	rs     *redsync.Redsync
	lease  time.Duration
}

var (
	_ Lock  = (*Redsync)(nil)
	_ Guard = (*Redsync)(nil)
)

// NewRedsync returns mutexes with the given expiry over client; Close
// closes the client.
func NewRedsync(client *redis.Client, lease time.Duration) *Redsync {
	return &Redsync{client: client, rs: redsync.New(goredis.NewPool(client)), lease: lease}
}

// Name returns "redsync".
func (r *Redsync) Name() string { return "redsync" }

// TryLock takes the mutex with TryLockContext.
func (r *Redsync) TryLock(ctx context.Context, key string) (func(context.Context) error, error) {
	m := r.rs.NewMutex(key+lockSuffix, redsync.WithExpiry(r.lease))
	if err := m.TryLockContext(ctx); err != nil {
		var taken *redsync.ErrTaken
		if errors.As(err, &taken) || errors.Is(err, redsync.ErrFailed) {
			return nil, errors.Join(ErrHeld, err)
		}
		return nil, err
	}
	return func(ctx context.Context) error {
		_, err := m.UnlockContext(ctx)
		return err
	}, nil
}

// Do takes the mutex with LockContext (polling with the default retry
// policy), runs fn and unlocks.
func (r *Redsync) Do(ctx context.Context, key string, fn func(context.Context) error) error {
	m := r.rs.NewMutex(key+lockSuffix, redsync.WithExpiry(r.lease))
	if err := m.LockContext(ctx); err != nil {
		return err
	}
	ferr := fn(ctx)
	_, uerr := m.UnlockContext(context.WithoutCancel(ctx))
	return errors.Join(ferr, uerr)
}

// Get sends GET with the go-redis client.
func (r *Redsync) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return getGoRedis(ctx, r.client, key)
}

// Set sends SET with the go-redis client.
func (r *Redsync) Set(ctx context.Context, key string, val []byte) error {
	return r.client.Set(ctx, key, val, 0).Err()
}

// Close closes the client.
func (r *Redsync) Close() error { return r.client.Close() }

// getGoRedis reads key with GET.
func getGoRedis(ctx context.Context, c *redis.Client, key string) ([]byte, bool, error) {
	b, err := c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	return b, err == nil, err
}
