package memory

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// benchKeys is the number of distinct keys of the benchmarks, a power of
// two so that a counter masks onto it.
const benchKeys = 1 << 16

func benchKeyList(prefix string) []string {
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = prefix + strconv.Itoa(i)
	}
	return keys
}

// benchStore returns a store holding every key of benchKeyList("key-").
func benchStore(b *testing.B, opts Options) (*Store, []string) {
	b.Helper()
	opts.CleanupInterval = -1
	s := New(opts)
	b.Cleanup(func() { _ = s.Close() })
	keys := benchKeyList("key-")
	ctx := context.Background()
	for i, k := range keys {
		if err := s.SetValue(ctx, k, i, 0); err != nil {
			b.Fatal(err)
		}
	}
	return s, keys
}

// stores are the configurations every benchmark runs on.
var stores = []struct {
	name string
	opts Options
}{
	{"unbounded", Options{}},
	{"bounded", Options{MaxEntries: 2 * benchKeys}},
}

func BenchmarkGetValueHit(b *testing.B) {
	for _, c := range stores {
		b.Run(c.name, func(b *testing.B) {
			s, keys := benchStore(b, c.opts)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok, _ := s.GetValue(ctx, keys[i&(benchKeys-1)]); !ok {
					b.Fatal("miss")
				}
				i++
			}
		})
	}
}

func BenchmarkGetValueHitWithTTL(b *testing.B) {
	s, keys := benchStore(b, Options{MaxEntries: 2 * benchKeys})
	ctx := context.Background()
	for _, k := range keys {
		_ = s.SetValue(ctx, k, 1, time.Hour)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok, _ := s.GetValue(ctx, keys[i&(benchKeys-1)]); !ok {
			b.Fatal("miss")
		}
		i++
	}
}

func BenchmarkGetValueMiss(b *testing.B) {
	s, _ := benchStore(b, Options{})
	missing := benchKeyList("missing-")
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok, _ := s.GetValue(ctx, missing[i&(benchKeys-1)]); ok {
			b.Fatal("hit")
		}
		i++
	}
}

func BenchmarkGetHit(b *testing.B) {
	s, keys := benchStore(b, Options{})
	ctx := context.Background()
	for _, k := range keys {
		_ = s.Set(ctx, k, []byte("a short value"), 0)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok, _ := s.Get(ctx, keys[i&(benchKeys-1)]); !ok {
			b.Fatal("miss")
		}
		i++
	}
}

func BenchmarkSetValue(b *testing.B) {
	for _, c := range stores {
		b.Run(c.name, func(b *testing.B) {
			s, keys := benchStore(b, c.opts)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_ = s.SetValue(ctx, keys[i&(benchKeys-1)], i, 0)
				i++
			}
		})
	}
}

// BenchmarkSetValueEvicting writes keys that are all new to a full store,
// so every write evicts.
func BenchmarkSetValueEvicting(b *testing.B) {
	s, _ := benchStore(b, Options{MaxEntries: benchKeys / 2})
	keys := benchKeyList("new-")
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = s.SetValue(ctx, keys[i&(benchKeys-1)], i, 0)
		i++
	}
}

func BenchmarkGetValueHitParallel(b *testing.B) {
	for _, c := range stores {
		b.Run(c.name, func(b *testing.B) {
			s, keys := benchStore(b, c.opts)
			ctx := context.Background()
			var seed atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seed.Add(1)) * 7919
				for pb.Next() {
					if _, ok, _ := s.GetValue(ctx, keys[i&(benchKeys-1)]); !ok {
						b.Error("miss")
						return
					}
					i++
				}
			})
		})
	}
}

func BenchmarkSetValueParallel(b *testing.B) {
	for _, c := range stores {
		b.Run(c.name, func(b *testing.B) {
			s, keys := benchStore(b, c.opts)
			ctx := context.Background()
			var seed atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seed.Add(1)) * 7919
				for pb.Next() {
					_ = s.SetValue(ctx, keys[i&(benchKeys-1)], i, 0)
					i++
				}
			})
		})
	}
}

// BenchmarkMixedParallel is 90% GetValue and 10% SetValue.
func BenchmarkMixedParallel(b *testing.B) {
	s, keys := benchStore(b, Options{MaxEntries: 2 * benchKeys})
	ctx := context.Background()
	var seed atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seed.Add(1)) * 7919
		for pb.Next() {
			k := keys[i&(benchKeys-1)]
			if i%10 == 0 {
				_ = s.SetValue(ctx, k, i, 0)
			} else {
				_, _, _ = s.GetValue(ctx, k)
			}
			i++
		}
	})
}
