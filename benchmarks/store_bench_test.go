package benchmarks

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cachekit/cachekit/benchmarks/client"
)

const (
	// multiGetKeys is the number of keys of one MultiGet.
	multiGetKeys = 100
	// counterKeys is the number of counters of the Increment benchmarks.
	counterKeys = 1 << 10
	// addKeys is the number of distinct keys the Add benchmarks write,
	// round robin: enough that a key comes back only long after a bounded
	// cache evicted it.
	addKeys = 1 << 20
)

// impl is one library under a store benchmark.
type impl[V any] struct {
	name string
	new  func(tb testing.TB) client.KV[V]
}

// storeSuite runs the same operations, with the same keys and values, on
// every impl. Each sub-benchmark builds its own instance and, for a
// remote store, empties the server when it ends.
type storeSuite[V any] struct {
	impls []impl[V]
	// keys are the keys written before the reads; a power of two.
	keys []string
	// value is the value written under keys[i] (and by Set and Add).
	value func(i int) V
	// zero is the value a counter starts at before Increment.
	zero V
	// reset empties the server after a sub-benchmark; nil for in-process
	// caches, which are dropped instead.
	reset func(tb testing.TB)
	// par is the b.SetParallelism of RunParallel; 0 runs serially.
	par int
	// rounds is how many times an op (by name: "GetHit") runs its impls
	// in a pass (see turns); an op not in it runs them once.
	rounds map[string]int
}

// run runs every operation on every impl that has it:
// OP/impl=NAME sub-benchmarks of b.
func (s storeSuite[V]) run(b *testing.B) {
	ops := []struct {
		name string
		fn   func(b *testing.B, kv client.KV[V])
		has  func(kv client.KV[V]) bool
	}{
		{"GetHit", s.getHit, nil},
		{"GetMiss", s.getMiss, nil},
		{"Set", s.set, nil},
		{fmt.Sprintf("MultiGet%d", multiGetKeys), s.multiGet, func(kv client.KV[V]) bool { _, ok := kv.(client.MultiGetter); return ok }},
		{"Add", s.add, func(kv client.KV[V]) bool { _, ok := kv.(client.Adder[V]); return ok }},
		{"Increment", s.increment, func(kv client.KV[V]) bool { _, ok := kv.(client.Incrementer); return ok }},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			for im := range turns(s.impls, s.rounds[op.name]) {
				if op.has != nil && !s.supports(b, im, op.has) {
					continue
				}
				b.Run("impl="+im.name, func(b *testing.B) {
					kv := s.open(b, im)
					b.ReportAllocs()
					op.fn(b, kv)
				})
			}
		})
	}
}

// supports reports whether im's adapter has the operation that has checks.
func (s storeSuite[V]) supports(b *testing.B, im impl[V], has func(client.KV[V]) bool) bool {
	kv := im.new(b)
	defer kv.Close()
	return has(kv)
}

// open builds im for one sub-benchmark, connects it (clients connect
// lazily: one read does it), and registers its closing and the server's
// reset.
func (s storeSuite[V]) open(b *testing.B, im impl[V]) client.KV[V] {
	kv := im.new(b)
	if _, _, err := kv.Get(context.Background(), "warm-up"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := kv.Close(); err != nil {
			b.Error(err)
		}
		if s.reset != nil {
			s.reset(b)
		}
	})
	return kv
}

// fill writes every key of s.keys into kv and checks that they all read
// back (ristretto may drop writes until they have been applied).
func (s storeSuite[V]) fill(b *testing.B, kv client.KV[V]) {
	ctx := context.Background()
	for i, k := range s.keys {
		if err := kv.Set(ctx, k, s.value(i)); err != nil {
			b.Fatal(err)
		}
	}
	for attempt := 0; ; attempt++ {
		if w, ok := kv.(client.Waiter); ok {
			w.Wait()
		}
		missing := 0
		for i, k := range s.keys {
			_, found, err := kv.Get(ctx, k)
			if err != nil {
				b.Fatal(err)
			}
			if !found {
				missing++
				if err := kv.Set(ctx, k, s.value(i)); err != nil {
					b.Fatal(err)
				}
			}
		}
		if missing == 0 {
			return
		}
		if attempt == 10 {
			b.Fatalf("%s: %d of %d keys still missing after writing them %d times", kv.Name(), missing, len(s.keys), attempt+1)
		}
	}
}

// loop calls op b.N times, with a distinct i for each call of one
// goroutine: serially, or from par*GOMAXPROCS goroutines when s.par > 0.
// Goroutines start at spread-out values of i, so that they touch
// different keys.
func (s storeSuite[V]) loop(b *testing.B, op func(i int) error) {
	if s.par == 0 {
		i := 0
		for b.Loop() {
			if err := op(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
		return
	}
	b.SetParallelism(s.par)
	var seq atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(1)) * 7919
		for pb.Next() {
			if err := op(i); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func (s storeSuite[V]) getHit(b *testing.B, kv client.KV[V]) {
	s.fill(b, kv)
	ctx, mask := context.Background(), len(s.keys)-1
	var misses atomic.Int64
	s.loop(b, func(i int) error {
		_, found, err := kv.Get(ctx, s.keys[i&mask])
		if !found && err == nil {
			misses.Add(1)
		}
		return err
	})
	if n := misses.Load(); n > 0 {
		b.Errorf("%d misses of keys that were present", n)
	}
}

func (s storeSuite[V]) getMiss(b *testing.B, kv client.KV[V]) {
	ctx := context.Background()
	var hits atomic.Int64
	s.loop(b, func(int) error {
		_, found, err := kv.Get(ctx, "absent-key")
		if found {
			hits.Add(1)
		}
		return err
	})
	if n := hits.Load(); n > 0 {
		b.Errorf("%d hits of a key never written", n)
	}
}

func (s storeSuite[V]) set(b *testing.B, kv client.KV[V]) {
	ctx, mask := context.Background(), len(s.keys)-1
	s.loop(b, func(i int) error {
		return kv.Set(ctx, s.keys[i&mask], s.value(i&mask))
	})
}

func (s storeSuite[V]) multiGet(b *testing.B, kv client.KV[V]) {
	s.fill(b, kv)
	mg := kv.(client.MultiGetter)
	ctx, windows := context.Background(), len(s.keys)/multiGetKeys
	var short atomic.Int64
	s.loop(b, func(i int) error {
		w := i % windows * multiGetKeys
		hits, err := mg.MultiGet(ctx, s.keys[w:w+multiGetKeys])
		if hits != multiGetKeys && err == nil {
			short.Add(1)
		}
		return err
	})
	if n := short.Load(); n > 0 {
		b.Errorf("%d MultiGets missed keys that were present", n)
	}
}

func (s storeSuite[V]) add(b *testing.B, kv client.KV[V]) {
	ad := kv.(client.Adder[V])
	keys := addKeyRing()
	ctx := context.Background()
	s.loop(b, func(i int) error {
		_, err := ad.Add(ctx, keys[i&(addKeys-1)], s.value(i&(len(s.keys)-1)))
		return err
	})
}

func (s storeSuite[V]) increment(b *testing.B, kv client.KV[V]) {
	ctx := context.Background()
	counters := s.keys[:counterKeys]
	for _, k := range counters {
		if err := kv.Set(ctx, k, s.zero); err != nil {
			b.Fatal(err)
		}
	}
	if w, ok := kv.(client.Waiter); ok {
		w.Wait()
	}
	inc := kv.(client.Incrementer)
	s.loop(b, func(i int) error {
		_, err := inc.Increment(ctx, counters[i&(counterKeys-1)], 1)
		return err
	})
}

// keyNames returns n keys "key-00000", "key-00001", ...: no ':', which
// the memcache store would read as a namespace.
func keyNames(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%05d", i)
	}
	return keys
}

// addKeyRing returns the addKeys keys of the Add benchmarks, made once.
var addKeyRing = sync.OnceValue(func() []string {
	keys := make([]string, addKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("add-%07d", i)
	}
	return keys
})
