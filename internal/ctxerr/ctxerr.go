// Package ctxerr tells the stores of this module when a call's context has
// ended, so that every store reports it the same way: with an error that
// matches ctx.Err().
package ctxerr

import (
	"context"
	"errors"
	"fmt"
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

// Wrap returns err, made to match the error of ctx too when ctx has ended
// (see Err) and err does not match it already: whatever a backend reported
// for a call whose context ended (a dial or read timeout, a closed
// connection) is that case. It returns nil for a nil err.
func Wrap(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := Err(ctx); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}
