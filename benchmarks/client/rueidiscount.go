package client

import (
	"context"
	"sync/atomic"
	"time"

	rd "github.com/redis/rueidis"
)

// CountingRueidis is a rueidis client that counts what goes through it:
// each Do, DoCache, DoStream is one round trip of one command; each
// DoMulti, DoMultiCache, DoMultiStream is one round trip (a pipeline) of
// its commands. It is what rueidishook does, kept to counting; the other
// methods are the wrapped client's. A dedicated connection's calls
// (Dedicated, Dedicate: cachekit's lock waits for a release on one) are
// not counted.
type CountingRueidis struct {
	rd.Client
	trips, cmds atomic.Int64
}

// NewCountingRueidis returns client, counting its round trips.
func NewCountingRueidis(client rd.Client) *CountingRueidis {
	return &CountingRueidis{Client: client}
}

// Counts returns the round trips and the commands counted so far.
func (c *CountingRueidis) Counts() (trips, cmds int64) {
	return c.trips.Load(), c.cmds.Load()
}

func (c *CountingRueidis) count(cmds int) {
	c.trips.Add(1)
	c.cmds.Add(int64(cmds))
}

// Do counts one round trip.
func (c *CountingRueidis) Do(ctx context.Context, cmd rd.Completed) rd.RedisResult {
	c.count(1)
	return c.Client.Do(ctx, cmd)
}

// DoMulti counts one round trip of len(multi) commands.
func (c *CountingRueidis) DoMulti(ctx context.Context, multi ...rd.Completed) []rd.RedisResult {
	c.count(len(multi))
	return c.Client.DoMulti(ctx, multi...)
}

// DoCache counts one round trip, even when the client's memory answers.
func (c *CountingRueidis) DoCache(ctx context.Context, cmd rd.Cacheable, ttl time.Duration) rd.RedisResult {
	c.count(1)
	return c.Client.DoCache(ctx, cmd, ttl)
}

// DoMultiCache counts one round trip of len(multi) commands, even when the
// client's memory answers.
func (c *CountingRueidis) DoMultiCache(ctx context.Context, multi ...rd.CacheableTTL) []rd.RedisResult {
	c.count(len(multi))
	return c.Client.DoMultiCache(ctx, multi...)
}

// DoStream counts one round trip.
func (c *CountingRueidis) DoStream(ctx context.Context, cmd rd.Completed) rd.RedisResultStream {
	c.count(1)
	return c.Client.DoStream(ctx, cmd)
}

// DoMultiStream counts one round trip of len(multi) commands.
func (c *CountingRueidis) DoMultiStream(ctx context.Context, multi ...rd.Completed) rd.MultiRedisResultStream {
	c.count(len(multi))
	return c.Client.DoMultiStream(ctx, multi...)
}
