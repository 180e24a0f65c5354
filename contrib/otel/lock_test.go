package otel_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
)

// started is a StartHook that tells when an operation op begins.
type started struct {
	op cache.Op
	ch chan struct{}
}

func (s started) Start(ctx context.Context, op cache.Op, _ string) context.Context {
	if op == s.op {
		s.ch <- struct{}{}
	}
	return ctx
}

func (started) Observe(context.Context, cache.Event) {}

func TestLockWaitIsRecorded(t *testing.T) {
	tel := newTelemetry(t)
	waiting := started{op: cache.OpLockWait, ch: make(chan struct{}, 1)}
	c := newCache(t, "jobs", nil, tel.hook, waiting)
	ctx := t.Context()
	holder := lock.NewRed(c, "k", time.Minute)
	owned, err := holder.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)

	done := make(chan error, 1)
	go func() {
		owned, err := lock.NewRed(c, "k", time.Minute).Acquire(ctx)
		if err == nil && owned {
			err = assert.AnError
		}
		done <- err
	}()
	<-waiting.ch
	require.NoError(t, holder.Release(ctx))
	require.NoError(t, <-done, "the waiter goes on without the lock when the holder lets go")

	assert.EqualValues(t, 1, tel.observations(t, "cachekit.lock.wait.duration", "namespace", "jobs"))
	p, _ := tel.histogram(t, "cachekit.lock.wait.duration", "namespace", "jobs")
	assert.Less(t, p.Sum, 30.0, "woken by the release, not at the end of the lease")
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "jobs", "op", "lock_wait", "result", "ok"))
	assert.EqualValues(t, 2, tel.count(t, "cachekit.operations", "namespace", "jobs", "op", "lock_acquire", "result", "ok"))
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "jobs", "op", "lock_release", "result", "ok"))
	waits := tel.ended("cachekit.lock_wait")
	require.Len(t, waits, 1)
	// Ok: the holder let go during the wait (false if it had before the
	// wait read the entry, which this test does not order).
	assert.IsType(t, true, attrs(waits[0])["cachekit.ok"])
}
