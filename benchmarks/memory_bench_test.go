package benchmarks

import (
	"testing"

	"github.com/cachekit/cachekit/benchmarks/client"
)

const (
	// memoryKeys is the number of keys the memory benchmarks read and write.
	memoryKeys = 1 << 14
	// memoryCapacity bounds every bounded in-process cache: four times the
	// keys, so that the reads always hit and only Add evicts.
	memoryCapacity = 4 * memoryKeys
)

// memoryImpls are cachekit's memory store, through Cache[string, int] with
// no serializer (values kept as they are), and its in-process peers.
func memoryImpls() []impl[int] {
	return []impl[int]{
		{"cachekit", func(testing.TB) client.KV[int] { return client.NewCachekitMemory(memoryCapacity) }},
		{"otter", func(testing.TB) client.KV[int] { return client.NewOtter[int](memoryCapacity) }},
		{"ristretto", func(testing.TB) client.KV[int] { return client.NewRistretto[int](memoryCapacity) }},
		{"syncmap", func(testing.TB) client.KV[int] { return client.NewSyncMap[int]() }},
	}
}

func memorySuite(par int) storeSuite[int] {
	return storeSuite[int]{
		impls: memoryImpls(),
		keys:  keyNames(memoryKeys),
		value: func(i int) int { return i },
		par:   par,
	}
}

// BenchmarkMemory runs each operation from one goroutine.
func BenchmarkMemory(b *testing.B) { memorySuite(0).run(b) }

// BenchmarkMemoryParallel runs each operation from GOMAXPROCS goroutines.
func BenchmarkMemoryParallel(b *testing.B) { memorySuite(1).run(b) }
