package ctxerr

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestErrSeesAPassedDeadlineBeforeTheTimer(t *testing.T) {
	assert.NoError(t, Err(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	assert.NoError(t, Err(ctx))
	// A deadline already past: ctx.Err() may still be nil for a moment in
	// a context made by hand; Err does not wait for it.
	past := deadlineOnly{time.Now().Add(-time.Millisecond)}
	assert.ErrorIs(t, Err(past), context.DeadlineExceeded)
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	assert.ErrorIs(t, Err(cancelled), context.Canceled)
}

func TestWrapAddsTheContextError(t *testing.T) {
	cause := errors.New("dial tcp: i/o timeout")
	assert.NoError(t, Wrap(context.Background(), nil))
	assert.Same(t, cause, Wrap(context.Background(), cause))
	err := Wrap(deadlineOnly{time.Now().Add(-time.Second)}, cause)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, cause)
	already := Wrap(deadlineOnly{time.Now().Add(-time.Second)}, context.DeadlineExceeded)
	assert.Equal(t, context.DeadlineExceeded, already)
}

// deadlineOnly is a context whose deadline has passed but whose Err is
// still nil: what a store sees when the deadline's timer runs late.
type deadlineOnly struct{ d time.Time }

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.d, true }
func (c deadlineOnly) Done() <-chan struct{}       { return nil }
func (c deadlineOnly) Err() error                  { return nil }
func (c deadlineOnly) Value(any) any               { return nil }
