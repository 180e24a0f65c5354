package benchmarks

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/memory"
)

// readImpls are the in-process caches of the read and heap benchmarks:
// cachekit's memory store through Cache[string, int] with no serializer,
// and otter v2, each bounded to capacity.
func readImpls(capacity int) []impl[int] {
	return []impl[int]{
		{"cachekit", func(testing.TB) client.KV[int] { return client.NewCachekitMemory(capacity) }},
		{"otter", func(testing.TB) client.KV[int] { return client.NewOtter[int](capacity) }},
	}
}

// BenchmarkMemoryGetParallel reads keys that are all present from
// GOMAXPROCS goroutines, over 1 key (every reader on one entry), 1024 and
// 65536 keys, in a cache bounded to four times the keys (at least 1024).
func BenchmarkMemoryGetParallel(b *testing.B) {
	for _, n := range []int{1, 1024, 65536} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			keys := keyNames(n)
			for _, im := range passOrder(readImpls(max(4*n, 1024))) {
				b.Run("impl="+im.name, func(b *testing.B) {
					kv := im.new(b)
					defer kv.Close()
					ctx := context.Background()
					for i, k := range keys {
						if err := kv.Set(ctx, k, i); err != nil {
							b.Fatal(err)
						}
					}
					var seq atomic.Int64
					var misses atomic.Int64
					b.ReportAllocs()
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						i := int(seq.Add(1)) * 7919
						for pb.Next() {
							if _, ok, _ := kv.Get(ctx, keys[i%n]); !ok {
								misses.Add(1)
							}
							i++
						}
					})
					if m := misses.Load(); m > 0 {
						b.Errorf("%d misses of present keys", m)
					}
				})
			}
		})
	}
}

// heapEntries is the number of entries of BenchmarkMemoryHeap.
const heapEntries = 1 << 20

// BenchmarkMemoryHeap reports the heap that 1 Mi entries of a 16-byte
// string key and an int value take, per entry (B/entry): keys, values and
// every structure of the cache, in a cache bounded to exactly that many
// entries and, for cachekit, in an unbounded one; a Go map is the floor.
// It runs each build once per iteration: use -benchtime 1x.
func BenchmarkMemoryHeap(b *testing.B) {
	impls := append(readImpls(heapEntries),
		impl[int]{"cachekit-unbounded", func(testing.TB) client.KV[int] {
			return client.NewCachekitMemoryStore(memory.New(memory.Options{}))
		}},
		impl[int]{"map", nil},
	)
	for _, im := range passOrder(impls) {
		b.Run("impl="+im.name, func(b *testing.B) {
			var perEntry float64
			for b.Loop() {
				perEntry = heapPerEntry(b, im)
			}
			b.ReportMetric(perEntry, "B/entry")
		})
	}
}

// heapPerEntry builds im with heapEntries entries, whose keys are made
// while filling, so that they count, and returns the growth of the live
// heap per entry.
func heapPerEntry(b *testing.B, im impl[int]) float64 {
	ctx := context.Background()
	before := liveHeap()
	var keep any
	if im.new == nil {
		m := make(map[string]int)
		for i := range heapEntries {
			m[heapKey(i)] = i + 1000
		}
		keep = m
	} else {
		kv := im.new(b)
		for i := range heapEntries {
			if err := kv.Set(ctx, heapKey(i), i+1000); err != nil {
				b.Fatal(err)
			}
		}
		if _, ok, _ := kv.Get(ctx, heapKey(0)); !ok && im.name != "otter" {
			b.Fatalf("%s lost the first key", im.name)
		}
		defer kv.Close()
		keep = kv
	}
	after := liveHeap()
	runtime.KeepAlive(keep)
	return float64(after-before) / heapEntries
}

// heapKey returns the 16-byte key of entry i, zero-padded decimal, in one
// allocation of its bytes and nothing else. fmt.Sprintf or strconv.Itoa
// would also leave a tiny garbage object per key, which shares a 16-byte
// block of the tiny allocator with the box of the cache's value and keeps
// it from sharing that block with another box: 8 bytes more per entry
// for a cache that boxes its values, nothing for one that does not.
func heapKey(i int) string {
	var b [16]byte
	for j := len(b) - 1; j >= 0; j-- {
		b[j] = byte('0' + i%10)
		i /= 10
	}
	return string(b[:])
}

// liveHeap returns the bytes of the heap that are live after a full
// collection.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
