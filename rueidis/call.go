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

// resend says whether a command may be sent again after its connection
// dropped before the reply came: whether running it twice leaves what
// running it once does.
type resend bool

const (
	// again: a read, or a write that leaves the same whether it runs once
	// or twice (SET of the same bytes, UNLINK, PEXPIRE, the compare-and-
	// delete or compare-and-expire of the caller's own token). Sent again
	// after a dropped connection (see retry).
	again resend = true
	// never: a write that must not run twice (INCRBY, SET NX, a compare-
	// and-swap). Its error is returned, since it may or may not have run;
	// it is sent again only when it was certainly never sent (a dial that
	// another caller's deadline cut short, see retry).
	never resend = false
)

// maxResends bounds how many times a command is sent again after its
// connection dropped. A drop (a server restart, CLIENT KILL) breaks every
// connection of the client at once, and rueidis learns it of each
// connection only when it uses it, so a command sent again may meet
// another broken connection: rueidis keeps up to 4 per node by default
// (ClientOption.PipelineMultiplex), and each failure replaces one.
const maxResends = 8

// maxDialRetries bounds how many times a command whose ctx has no deadline
// is sent again after a dial timeout that its ctx did not cause. A ctx
// with a deadline bounds the retries itself.
const maxDialRetries = 3

// maxFailoverRetries bounds how many times a command whose ctx has no
// deadline is sent again after a refused dial behind Sentinel: about 30 s
// at maxRetryDelay, the time a failover takes with sentinels whose
// down-after-milliseconds is a few seconds. (With the default of 30 s, a
// ctx with a deadline waits as long as its caller allows.)
const maxFailoverRetries = 600

// Backoff between the attempts after a failed dial.
const (
	minRetryDelay = time.Millisecond
	maxRetryDelay = 50 * time.Millisecond
)

// retry decides whether a command sent attempts times, whose last attempt
// failed with err (nil: it did not fail, or failed with a Redis error
// reply), is sent again, and waits before if it should.
//
//   - After a dial that timed out while ctx is still alive, any command is
//     sent again. rueidis dials a connection once for all the callers that
//     need it at that moment, with the context of the first; when that
//     context's deadline ends the dial, every caller gets its "i/o
//     timeout", also those whose own deadline is far off. The command was
//     never sent. It is sent again until ctx ends if ctx has a deadline
//     (under a storm of calls with short deadlines, each attempt may get
//     the failed dial of another), else at most maxDialRetries times,
//     spaced by a backoff from 1 to 50ms so that a caller with a long
//     deadline does not spin.
//   - After any other failed dial (refused), behind Sentinel the command
//     is sent again as after a dial timeout, but up to maxFailoverRetries
//     times for a ctx with no deadline: the master died, the sentinels
//     name its successor within seconds and rueidis dials it, and the
//     command was never sent. Elsewhere nothing is sent again: the
//     server cannot be reached, and the caller learns it at once.
//   - After a connection that dropped (the command may or may not have
//     run), a command that may run twice (again) is sent again at once, on
//     a new connection, up to maxResends times.
//
// Nothing is sent again once ctx has ended or the store or the client is
// closed.
func (s *Store) retry(ctx context.Context, policy resend, attempts int, err error) bool {
	if err == nil || s.closed.Load() || errors.Is(err, rd.ErrClosing) || ctxerr.Err(ctx) != nil {
		return false
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		return policy == again && attempts <= maxResends
	}
	limit := maxDialRetries
	if !op.Timeout() {
		if s.client.Mode() != rd.ClientModeSentinel {
			return false
		}
		limit = maxFailoverRetries
	}
	if _, bounded := ctx.Deadline(); !bounded && attempts > limit {
		return false
	}
	delay := min(minRetryDelay<<min(attempts-1, 6), maxRetryDelay)
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false // wrap makes the error match ctx's
	}
}

// do runs on c (the store's client, or one node's for Clear) the command
// that build makes, as the operation op on key, and sends it again as
// policy and retry say. It is the one way the store sends a command (Get
// does what do does in a frame of its own: see direct): it
// refuses once the store is closed, and returns the reply or an error:
// rueidis' nil reply as rd.Nil itself (rd.IsRedisNil tells it), any other
// error wrapped with op and key (see wrap). build is called for each
// attempt: rueidis recycles a command once it has its reply.
//
// The commands the store sends are ones that rueidis never sends again on
// its own (it would for those its builders mark read-only: see readCmd),
// so that the store alone decides, and so that rueidis never recycles a
// command that a broken connection's writer may still be reading (which
// it does, v1.0.74 to v1.0.80, after it retried a read on a new
// connection: a data race the race detector reports behind a proxy that
// resets connections).
func (s *Store) do(ctx context.Context, op, key string, c rd.Client, policy resend, build func() rd.Completed) (rd.RedisMessage, error) {
	if s.closed.Load() {
		return rd.RedisMessage{}, opError(op, key, cache.ErrClosed)
	}
	var res rd.RedisResult
	if s.direct(ctx) { // send's common case, one frame less deep (see direct)
		res = c.Do(ctx, build())
		s.guard.observe(ctx, res.NonRedisError())
	} else {
		res = s.send(ctx, c, build())
	}
	return s.retried(ctx, op, key, c, policy, build, res)
}

// retried is the end of do, once the first attempt returned res: it sends
// the command again as policy and retry say, and returns the reply.
func (s *Store) retried(ctx context.Context, op, key string, c rd.Client, policy resend, build func() rd.Completed, res rd.RedisResult) (rd.RedisMessage, error) {
	for attempts := 1; s.retry(ctx, policy, attempts, res.NonRedisError()); attempts++ {
		res = s.send(ctx, c, build())
	}
	return reply(ctx, op, key, res)
}

// exec runs script on keys with args, as do runs a command.
func (s *Store) exec(ctx context.Context, op string, policy resend, script *rd.Lua, keys, args []string) (rd.RedisMessage, error) {
	if s.closed.Load() {
		return rd.RedisMessage{}, opError(op, keys[0], cache.ErrClosed)
	}
	res := s.sendScript(ctx, script, keys, args)
	for attempts := 1; s.retry(ctx, policy, attempts, res.NonRedisError()); attempts++ {
		res = s.sendScript(ctx, script, keys, args)
	}
	return reply(ctx, op, keys[0], res)
}

// doMulti sends the commands that build makes as one pipeline, as do sends
// one, and returns their results; the caller wraps their errors (see wrap).
// policy is that of every command of the pipeline.
func (s *Store) doMulti(ctx context.Context, op, key string, policy resend, build func() rd.Commands) ([]rd.RedisResult, error) {
	if s.closed.Load() {
		return nil, opError(op, key, cache.ErrClosed)
	}
	results := s.sendMulti(ctx, build())
	for attempts := 1; s.retry(ctx, policy, attempts, firstNonRedisError(results)); attempts++ {
		results = s.sendMulti(ctx, build())
	}
	return results, nil
}

// readCmd builds the read-only command name with keys and then args, as a
// command that rueidis does not send again on its own (see do): its
// builders mark GET, MGET, EXISTS, PTTL, SCAN and ROLE read-only, and
// rueidis retries those until ctx ends, recycling them afterwards while
// the broken connection may still read them. b is the builder of the
// client the command is for.
func readCmd(b rd.Builder, name string, keys []string, args ...string) rd.Completed {
	return b.Arbitrary(name).Keys(keys...).Args(args...).Build()
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
