package benchmarks

import (
	"testing"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/internal/testserver"
)

// memcachedImpls are cachekit's memcache store, through
// Cache[string, []byte] with serializer.Bytes, and raw gomemcache, each on
// a client of its own.
func memcachedImpls(addr string) []impl[[]byte] {
	return []impl[[]byte]{
		{"cachekit", func(testing.TB) client.KV[[]byte] { return client.NewCachekitMemcached(newGomemcache(addr)) }},
		{"gomemcache", func(testing.TB) client.KV[[]byte] { return client.NewGomemcache(newGomemcache(addr)) }},
	}
}

func memcachedSuite(b *testing.B, par int) storeSuite[[]byte] {
	addr := testserver.Memcached(b)
	return remoteSuite(memcachedImpls(addr), func(tb testing.TB) { flushMemcached(tb, addr) }, par)
}

// BenchmarkMemcached runs each operation on memcached from one goroutine.
// GetHit runs its impls serialGetRounds times in a pass.
func BenchmarkMemcached(b *testing.B) {
	s := memcachedSuite(b, 0)
	s.rounds = map[string]int{"GetHit": serialGetRounds}
	s.run(b)
}

// BenchmarkMemcachedParallel runs each operation on memcached from
// remoteParallelism*GOMAXPROCS goroutines.
func BenchmarkMemcachedParallel(b *testing.B) { memcachedSuite(b, remoteParallelism).run(b) }
