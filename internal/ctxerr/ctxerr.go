// Package ctxerr tells the stores of this module when a call's context has
// ended, so that every store reports it the same way: with ctx's error,
// unchanged.
package ctxerr

import (
	"context"
	"time"
)

// Err returns ctx.Err(), or context.DeadlineExceeded when ctx's deadline has
// passed but its timer has not fired yet. A call that returns after its
// deadline, on a machine busy enough that the timer runs late, is a call
// whose context ended: its error must match context.DeadlineExceeded.
func Err(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}
