package client

import (
	"context"
	"errors"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"
)

// RedislockRetry is the retry policy of Redislock.Do: redislock does not
// retry by default, and its documentation's examples poll at a fixed
// interval. 10ms is an eager choice: a shorter interval finds a release
// sooner and costs more requests.
const RedislockRetry = 10 * time.Millisecond

// Redislock is github.com/bsm/redislock through a go-redis client.
type Redislock struct {
	client *redis.Client
	l      *redislock.Client
	lease  time.Duration
}

var (
	_ Lock  = (*Redislock)(nil)
	_ Guard = (*Redislock)(nil)
)

// NewRedislock returns locks with the given lease over client; Close
// closes the client.
func NewRedislock(client *redis.Client, lease time.Duration) *Redislock {
	return &Redislock{client: client, l: redislock.New(client), lease: lease}
}

// Name returns "redislock".
func (r *Redislock) Name() string { return "redislock" }

// TryLock obtains the lock without retrying.
func (r *Redislock) TryLock(ctx context.Context, key string) (func(context.Context) error, error) {
	l, err := r.l.Obtain(ctx, key+lockSuffix, r.lease, nil)
	if errors.Is(err, redislock.ErrNotObtained) {
		return nil, errors.Join(ErrHeld, err)
	}
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}

// Do obtains the lock, polling every RedislockRetry for at most the lease,
// runs fn and releases the lock.
func (r *Redislock) Do(ctx context.Context, key string, fn func(context.Context) error) error {
	octx, cancel := context.WithTimeout(ctx, r.lease)
	defer cancel()
	l, err := r.l.Obtain(octx, key+lockSuffix, r.lease, &redislock.Options{RetryStrategy: redislock.LinearBackoff(RedislockRetry)})
	if err != nil {
		return err
	}
	ferr := fn(ctx)
	return errors.Join(ferr, l.Release(context.WithoutCancel(ctx)))
}

// Get sends GET with the go-redis client.
func (r *Redislock) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return getGoRedis(ctx, r.client, key)
}

// Set sends SET with the go-redis client.
func (r *Redislock) Set(ctx context.Context, key string, val []byte) error {
	return r.client.Set(ctx, key, val, 0).Err()
}

// Close closes the client.
func (r *Redislock) Close() error { return r.client.Close() }
