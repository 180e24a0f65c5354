package rueidis

import (
	"context"
	"errors"
	"net"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/internal/ctxerr"
)

// maxDialRetries bounds how many times a command whose ctx has no deadline
// is sent again after a dial timeout that its ctx did not cause (see
// foreignDialTimeout). A ctx with a deadline bounds the retries itself.
const maxDialRetries = 3

// Backoff between the attempts of retried.
const (
	minRetryDelay = time.Millisecond
	maxRetryDelay = 50 * time.Millisecond
)

// foreignDialTimeout reports whether err is a dial that timed out while ctx
// is still alive. rueidis dials a connection once for all the callers that
// need it at that moment, with the context of the first; when that
// context's deadline ends the dial, every caller gets its "i/o timeout",
// also those whose own deadline is far off. The command was never sent, so
// sending it again (which dials again, with this caller's context) is safe
// for any command.
func foreignDialTimeout(ctx context.Context, err error) bool {
	var op *net.OpError
	return err != nil && errors.As(err, &op) && op.Op == "dial" && op.Timeout() && ctxerr.Err(ctx) == nil
}

// retried returns the result of attempt, made again while errOf says it
// failed with a foreign dial timeout: until ctx ends if it has a deadline
// (under a storm of calls with short deadlines, each attempt may get the
// failed dial of another), else at most maxDialRetries times more. The
// attempts are spaced by a backoff from 1 to 50ms, so that a caller with a
// long deadline does not spin.
func retried[R any](ctx context.Context, attempt func() R, errOf func(R) error) R {
	_, bounded := ctx.Deadline()
	delay := minRetryDelay
	for i := 0; ; i++ {
		r := attempt()
		if !foreignDialTimeout(ctx, errOf(r)) || (!bounded && i == maxDialRetries) {
			return r
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return r // wrap makes its error match ctx's
		}
		delay = min(2*delay, maxRetryDelay)
	}
}

// do sends the command that build makes on c. build is called for each
// attempt: rueidis recycles a command once it is sent.
func do(ctx context.Context, c rd.Client, build func() rd.Completed) rd.RedisResult {
	return retried(ctx, func() rd.RedisResult { return c.Do(ctx, build()) }, rd.RedisResult.NonRedisError)
}

// doMulti sends the commands that build makes on c as one pipeline.
func doMulti(ctx context.Context, c rd.Client, build func() rd.Commands) []rd.RedisResult {
	return retried(ctx, func() []rd.RedisResult { return c.DoMulti(ctx, build()...) }, firstNonRedisError)
}

// exec runs script on c.
func exec(ctx context.Context, c rd.Client, script *rd.Lua, keys, args []string) rd.RedisResult {
	return retried(ctx, func() rd.RedisResult { return script.Exec(ctx, c, keys, args) }, rd.RedisResult.NonRedisError)
}

// firstNonRedisError returns the first error of results that is not a
// Redis error reply.
func firstNonRedisError(results []rd.RedisResult) error {
	for _, r := range results {
		if err := r.NonRedisError(); err != nil {
			return err
		}
	}
	return nil
}
