package locktest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/lock"
)

// lostReply is a store whose Add reaches the backend but whose reply is
// lost: the caller gets the error of a ctx that ended while the add was
// in flight, as from a slow server or a dropped connection.
type lostReply struct{ cache.Store }

func (s lostReply) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	_, _ = s.Store.Add(ctx, key, val, ttl)
	return false, context.DeadlineExceeded
}

// redOrphan checks that an Acquire that failed after its add may have
// reached the store leaves no lock behind: the next Acquire, on another
// instance, takes the lock at once instead of waiting out the lease.
func redOrphan(t *testing.T, h cachetest.Harness) {
	ss := stores(t, h, 2)
	lossy := cachetest.NewCache[string, string](t, lostReply{cachetest.RequiredOnly(ss[0])}, cache.Options[string, string]{Namespace: "or"})
	other := cachetest.NewCache[string, string](t, ss[1], cache.Options[string, string]{Namespace: "or"})
	owned, err := lock.NewRed(lossy, "k", longLease).Acquire(t.Context())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, owned)
	// The failed Acquire removes its token in the background: the lock is
	// free within a round trip or two, not a minute's lease.
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), longLease/2)
	defer cancel()
	next := lock.NewRed(other, "k", longLease)
	owned, err = next.Acquire(ctx) // waits, if it must, for the orphan's removal
	require.NoError(t, err, "the next Acquire waited out the orphan's lease")
	if !owned {
		owned, err = next.Acquire(ctx)
		require.NoError(t, err)
	}
	assert.True(t, owned, "the lock is free for the next Acquire")
	assert.Less(t, time.Since(start), longLease/4, "the next Acquire waited for an orphan")
	require.NoError(t, next.Release(t.Context()))
}
