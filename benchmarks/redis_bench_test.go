package benchmarks

import (
	"bytes"
	"testing"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/internal/testserver"
)

const (
	// remoteKeys is the number of keys the remote-store benchmarks read and
	// write.
	remoteKeys = 1 << 10
	// remoteValueSize is the size of the values they write.
	remoteValueSize = 128
)

// remoteValue is the value of every key of the remote-store benchmarks.
var remoteValue = bytes.Repeat([]byte("v"), remoteValueSize)

// remoteSuite is the storeSuite of a remote store with impls.
func remoteSuite(impls []impl[[]byte], reset func(testing.TB), par int) storeSuite[[]byte] {
	return storeSuite[[]byte]{
		impls: impls,
		keys:  keyNames(remoteKeys),
		value: func(int) []byte { return remoteValue },
		zero:  []byte("0"),
		reset: reset,
		par:   par,
	}
}

// redisImpls are cachekit's Redis store, through Cache[string, []byte]
// with serializer.Bytes, and its peers, each on a client of its own with
// its library's default options.
func redisImpls(addr string) []impl[[]byte] {
	return []impl[[]byte]{
		{"cachekit", func(tb testing.TB) client.KV[[]byte] { return client.NewCachekitRedis(newRueidis(tb, addr)) }},
		{"rueidis", func(tb testing.TB) client.KV[[]byte] { return client.NewRueidis(newRueidis(tb, addr)) }},
		{"go-redis", func(testing.TB) client.KV[[]byte] { return client.NewGoRedis(newGoRedis(addr)) }},
		{"go-redis-cache", func(testing.TB) client.KV[[]byte] { return client.NewGoRedisCache(newGoRedis(addr)) }},
	}
}

func redisSuite(b *testing.B, par int) storeSuite[[]byte] {
	addr := testserver.Redis(b)
	return remoteSuite(redisImpls(addr), func(tb testing.TB) { flushRedis(tb, addr) }, par)
}

// BenchmarkRedis runs each operation on a standalone Redis from one
// goroutine: the round trip dominates.
func BenchmarkRedis(b *testing.B) { redisSuite(b, 0).run(b) }

// BenchmarkRedisParallel runs each operation on a standalone Redis from
// remoteParallelism*GOMAXPROCS goroutines: the client's own cost shows.
// GetHit, whose target sits close to its bound, runs its impls
// getHitRounds times in a pass; the other ops once.
func BenchmarkRedisParallel(b *testing.B) {
	s := redisSuite(b, remoteParallelism)
	s.rounds = map[string]int{"GetHit": getHitRounds}
	s.run(b)
}

// clusterImpls are cachekit's Redis store on a Cluster and the raw
// clients. go-redis/cache is left out: it does nothing Cluster-specific.
func clusterImpls(addrs []string) []impl[[]byte] {
	return []impl[[]byte]{
		{"cachekit", func(tb testing.TB) client.KV[[]byte] { return client.NewCachekitRedis(newRueidis(tb, addrs...)) }},
		{"rueidis", func(tb testing.TB) client.KV[[]byte] { return client.NewRueidis(newRueidis(tb, addrs...)) }},
		{"go-redis", func(testing.TB) client.KV[[]byte] { return client.NewGoRedis(newGoRedisCluster(addrs)) }},
	}
}

func clusterSuite(b *testing.B, par int) storeSuite[[]byte] {
	addrs := testserver.RedisCluster(b)
	return remoteSuite(clusterImpls(addrs), func(tb testing.TB) { flushRedis(tb, addrs...) }, par)
}

// BenchmarkRedisCluster runs each operation on a three-master Redis
// Cluster from one goroutine.
func BenchmarkRedisCluster(b *testing.B) { clusterSuite(b, 0).run(b) }

// BenchmarkRedisClusterParallel runs each operation on the Cluster from
// remoteParallelism*GOMAXPROCS goroutines.
func BenchmarkRedisClusterParallel(b *testing.B) { clusterSuite(b, remoteParallelism).run(b) }
