package client

import (
	"context"
	"errors"
	"time"

	rd "github.com/redis/rueidis"
	"github.com/redis/rueidis/rueidislock"
)

// Rueidislock is rueidis' own lock, github.com/redis/rueidis/rueidislock,
// on one Redis (one key per lock: KeyMajority 1), with its defaults but
// TryNextAfter (see NewRueidislock). Its waiters are woken by
// the server's client-side-caching invalidation of the lock key rather
// than by polling.
type Rueidislock struct {
	l rueidislock.Locker
}

var (
	_ Lock  = (*Rueidislock)(nil)
	_ Guard = (*Rueidislock)(nil)
)

// NewRueidislock returns a locker with the given key validity on the Redis
// at addr, with a client of its own (rueidislock builds it); Close closes
// it.
func NewRueidislock(addr string, lease time.Duration) (*Rueidislock, error) {
	l, err := rueidislock.NewLocker(rueidislock.LockerOption{
		ClientOption:   rd.ClientOption{InitAddress: []string{addr}},
		KeyMajority:    1,
		KeyValidity:    lease,
		NoLoopTracking: true,
		// TryNextAfter (20 ms by default) is also the deadline of each
		// attempt at a key: on a loaded machine a round trip outlasts it
		// and Lock fails with context.DeadlineExceeded. With one key
		// there is no next key to try, so a longer one changes nothing
		// else.
		TryNextAfter: time.Second,
	})
	if err != nil {
		return nil, err
	}
	return &Rueidislock{l: l}, nil
}

// Name returns "rueidislock".
func (r *Rueidislock) Name() string { return "rueidislock" }

// TryLock takes the lock with TryWithContext; unlocking cancels its
// context, which deletes the key before returning.
func (r *Rueidislock) TryLock(ctx context.Context, key string) (func(context.Context) error, error) {
	_, cancel, err := r.l.TryWithContext(ctx, key)
	if errors.Is(err, rueidislock.ErrNotLocked) {
		return nil, errors.Join(ErrHeld, err)
	}
	if err != nil {
		return nil, err
	}
	return func(context.Context) error { cancel(); return nil }, nil
}

// Do takes the lock with WithContext (waiting for invalidations), runs fn
// and releases the lock.
func (r *Rueidislock) Do(ctx context.Context, key string, fn func(context.Context) error) error {
	lctx, cancel, err := r.l.WithContext(ctx, key)
	if err != nil {
		return err
	}
	defer cancel()
	return fn(lctx)
}

// Get sends GET with the locker's client.
func (r *Rueidislock) Get(ctx context.Context, key string) ([]byte, bool, error) {
	c := r.l.Client()
	b, err := c.Do(ctx, c.B().Get().Key(key).Build()).AsBytes()
	if rd.IsRedisNil(err) {
		return nil, false, nil
	}
	return b, err == nil, err
}

// Set sends SET with the locker's client.
func (r *Rueidislock) Set(ctx context.Context, key string, val []byte) error {
	c := r.l.Client()
	return c.Do(ctx, c.B().Set().Key(key).Value(rd.BinaryString(val)).Build()).Error()
}

// Close closes the locker and its client.
func (r *Rueidislock) Close() error {
	r.l.Close()
	return nil
}
