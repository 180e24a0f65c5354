package rueidis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
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

// do runs on c (the store's client, or one node's for Clear) the command
// that build makes, as the operation op on key. It is the one way the
// store sends a command: it refuses once the store is closed, sends the
// command again after a dial timeout that ctx did not cause (see retried;
// build is called for each attempt, as rueidis recycles a command once
// sent), and returns the reply or an error: rueidis' nil reply as rd.Nil
// itself (rd.IsRedisNil tells it), any other error wrapped with op and key
// (see wrap).
func (s *Store) do(ctx context.Context, op, key string, c rd.Client, build func() rd.Completed) (rd.RedisMessage, error) {
	if s.closed.Load() {
		return rd.RedisMessage{}, opError(op, key, cache.ErrClosed)
	}
	res := retried(ctx, func() rd.RedisResult { return c.Do(ctx, pinned(build())) }, rd.RedisResult.NonRedisError)
	return reply(ctx, op, key, res)
}

// pinned returns cmd, kept from being recycled by rueidis if rueidis may
// send it again. rueidis (v1.0.74 to at least v1.0.79) retries a read-only
// command on a new connection after the old one broke, and on success puts
// the command back in its pool, while the old connection's writer may
// still be reading it: a data race (and a torn string could crash that
// writer). A pinned command is left to the garbage collector instead: one
// allocation more per read.
func pinned(cmd rd.Completed) rd.Completed {
	if cmd.IsRetryable() {
		return cmd.Pin()
	}
	return cmd
}

// exec runs script on keys with args, as do runs a command.
func (s *Store) exec(ctx context.Context, op string, script *rd.Lua, keys, args []string) (rd.RedisMessage, error) {
	if s.closed.Load() {
		return rd.RedisMessage{}, opError(op, keys[0], cache.ErrClosed)
	}
	res := retried(ctx, func() rd.RedisResult { return script.Exec(ctx, s.client, keys, args) }, rd.RedisResult.NonRedisError)
	return reply(ctx, op, keys[0], res)
}

// doMulti sends the commands that build makes as one pipeline, as do sends
// one, and returns their results; the caller wraps their errors (see wrap).
func (s *Store) doMulti(ctx context.Context, op, key string, build func() rd.Commands) ([]rd.RedisResult, error) {
	if s.closed.Load() {
		return nil, opError(op, key, cache.ErrClosed)
	}
	attempt := func() []rd.RedisResult {
		cmds := build()
		for i := range cmds {
			cmds[i] = pinned(cmds[i])
		}
		return s.client.DoMulti(ctx, cmds...)
	}
	return retried(ctx, attempt, firstNonRedisError), nil
}

// reply returns the message of res, or its error for op on key.
func reply(ctx context.Context, op, key string, res rd.RedisResult) (rd.RedisMessage, error) {
	msg, err := res.ToMessage()
	if err != nil && !rd.IsRedisNil(err) {
		return msg, wrap(ctx, op, key, err)
	}
	return msg, err
}

// wrap names the operation and key in err; but once ctx has ended it
// returns ctx's error unchanged, whatever error the client reported for it
// (a dial cut short reads "i/o timeout"), as every store does.
func wrap(ctx context.Context, op, key string, err error) error {
	if cerr := ctxerr.Err(ctx); cerr != nil {
		return cerr
	}
	return opError(op, key, err)
}

// opError names the operation and key in err.
func opError(op, key string, err error) error {
	return fmt.Errorf("rueidis: %s %q: %w", op, key, err)
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
