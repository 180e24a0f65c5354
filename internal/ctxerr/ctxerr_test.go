package ctxerr

import (
	"context"
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

// deadlineOnly is a context whose deadline has passed but whose Err is
// still nil: what a store sees when the deadline's timer runs late.
type deadlineOnly struct{ d time.Time }

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.d, true }
func (c deadlineOnly) Done() <-chan struct{}       { return nil }
func (c deadlineOnly) Err() error                  { return nil }
func (c deadlineOnly) Value(any) any               { return nil }
