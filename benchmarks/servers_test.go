package benchmarks

import (
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"
	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/internal/testserver"
	ckredis "github.com/cachekit/cachekit/rueidis"
)

// remoteParallelism is the b.SetParallelism of the parallel benchmarks of
// remote stores: goroutines per GOMAXPROCS, enough to keep a network
// client's pipeline full as a busy server process would.
const remoteParallelism = 32

// memcachedConns is the MaxIdleConns of every gomemcache client. The
// default, 2, makes a client that serves many goroutines open and close a
// connection for most requests, whichever library sits on top.
const memcachedConns = 2 * remoteParallelism

// newRueidis returns a rueidis client of the servers at addrs (one
// standalone server, or the nodes of a Cluster) with rueidis' defaults.
func newRueidis(tb testing.TB, addrs ...string) rd.Client {
	tb.Helper()
	c, err := rd.NewClient(rd.ClientOption{InitAddress: addrs})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// newGoRedis returns a go-redis client of the standalone server at addr
// with go-redis' defaults.
func newGoRedis(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr})
}

// newGoRedisCluster returns a go-redis client of the Cluster with nodes
// addrs, with go-redis' defaults.
func newGoRedisCluster(addrs []string) *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
}

// newGomemcache returns a gomemcache client of the memcached at addr.
func newGomemcache(addr string) *gm.Client {
	c := gm.New(addr)
	c.MaxIdleConns = memcachedConns
	c.Timeout = 2 * time.Second // the parallel benchmarks queue many requests on two cores
	return c
}

// flushRedis empties every server of addrs (each master of a Cluster).
func flushRedis(tb testing.TB, addrs ...string) {
	tb.Helper()
	for _, addr := range addrs {
		if out := testserver.RedisCLI(tb, addr, "FLUSHALL"); out != "OK" {
			tb.Fatalf("FLUSHALL on %s: %s", addr, out)
		}
	}
}

// flushMemcached empties the memcached at addr.
func flushMemcached(tb testing.TB, addr string) {
	tb.Helper()
	if out := testserver.MemcachedCommand(tb, addr, "flush_all"); out != "OK" {
		tb.Fatalf("flush_all on %s: %s", addr, out)
	}
}

// newCachekitRedisStore returns cachekit's Redis store on a client of its
// own of the standalone server at addr, closed (store, then client) when
// tb ends.
func newCachekitRedisStore(tb testing.TB, addr string) *ckredis.Store {
	c := newRueidis(tb, addr)
	s := ckredis.New(c, ckredis.Options{})
	tb.Cleanup(func() {
		_ = s.Close()
		c.Close()
	})
	return s
}
