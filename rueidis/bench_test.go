package rueidis

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"
	"testing"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/serializer"
)

// benchParallelism is the number of goroutines per GOMAXPROCS of the
// parallel benchmarks: enough to keep rueidis' pipelining busy.
const benchParallelism = 32

// benchClient returns a client of the standalone server, closed when the
// benchmark ends.
func benchClient(b *testing.B) rd.Client {
	b.Helper()
	client, err := rd.NewClient(rd.ClientOption{InitAddress: []string{testserver.Redis(b)}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(client.Close)
	return client
}

// benchKeys are the keys of the Get and Set benchmarks, each holding
// benchValue.
var (
	benchKeys  = func() []string { k := manyKeys("bench", 1024); return k }()
	benchValue = []byte(`{"id":12345,"name":"cachekit","tags":["a","b","c"]}`)
)

func seedBenchKeys(b *testing.B, client rd.Client) {
	b.Helper()
	if err := New(client, Options{}).MultiSet(context.Background(), benchKeys, repeat(benchValue, len(benchKeys)), 0); err != nil {
		b.Fatal(err)
	}
}

func repeat(v []byte, n int) [][]byte {
	vals := make([][]byte, n)
	for i := range vals {
		vals[i] = v
	}
	return vals
}

// runParallel runs op on b.N keys spread over benchKeys, from
// benchParallelism goroutines per CPU.
func runParallel(b *testing.B, op func(ctx context.Context, key string) error) {
	runParallelWith(b, context.Background(), op)
}

// runParallelWith is runParallel with ctx.
func runParallelWith(b *testing.B, ctx context.Context, op func(ctx context.Context, key string) error) {
	b.Helper()
	var next atomic.Uint64
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := benchKeys[next.Add(1)%uint64(len(benchKeys))]
			if err := op(ctx, key); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGet compares Store.Get with the GET of the bare client that it
// wraps, in the same run.
func BenchmarkGet(b *testing.B) {
	client := benchClient(b)
	seedBenchKeys(b, client)
	b.Run("client", func(b *testing.B) {
		runParallel(b, func(ctx context.Context, key string) error {
			_, err := client.Do(ctx, client.B().Get().Key(key).Build()).AsBytes()
			return err
		})
	})
	b.Run("store", func(b *testing.B) {
		s := New(client, Options{})
		defer s.Close()
		runParallel(b, func(ctx context.Context, key string) error {
			_, _, err := s.Get(ctx, key)
			return err
		})
	})
	b.Run("cache", func(b *testing.B) {
		c := benchCache(b, client)
		runParallel(b, func(ctx context.Context, key string) error {
			_, _, err := c.Get(ctx, key)
			return err
		})
	})
}

// benchCache returns a Cache[string, []byte] with serializer.Bytes() on a
// new store of client: the shape users compare with the bare client.
func benchCache(b *testing.B, client rd.Client) *cache.Cache[string, []byte] {
	s := New(client, Options{})
	b.Cleanup(func() { _ = s.Close() })
	return cache.Must(cache.New(s, cache.Options[string, []byte]{Serializer: serializer.Bytes()}))
}

// BenchmarkSet compares Store.Set with the SET of the bare client that it
// wraps, in the same run.
func BenchmarkSet(b *testing.B) {
	client := benchClient(b)
	b.Run("client", func(b *testing.B) {
		runParallel(b, func(ctx context.Context, key string) error {
			return client.Do(ctx, client.B().Set().Key(key).Value(rd.BinaryString(benchValue)).Build()).Error()
		})
	})
	b.Run("store", func(b *testing.B) {
		s := New(client, Options{})
		defer s.Close()
		runParallel(b, func(ctx context.Context, key string) error {
			return s.Set(ctx, key, benchValue, 0)
		})
	})
	b.Run("cache", func(b *testing.B) {
		c := benchCache(b, client)
		runParallel(b, func(ctx context.Context, key string) error {
			return c.Set(ctx, key, benchValue)
		})
	})
}

// BenchmarkMultiGetShape compares the two ways of reading many keys on a
// standalone server: one MGET, and one pipeline of GETs (the shape that a
// Cluster needs). Store.MultiGet uses the faster on standalone.
func BenchmarkMultiGetShape(b *testing.B) {
	client := benchClient(b)
	seedBenchKeys(b, client)
	ctx := context.Background()
	for _, n := range []int{10, 100, 1000} {
		keys := benchKeys[:n]
		b.Run("mget/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Do(ctx, client.B().Mget().Key(keys...).Build()).ToArray(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("pipelined-get/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			cmds := make(rd.Commands, n)
			for b.Loop() {
				for i, key := range keys {
					cmds[i] = client.B().Get().Key(key).Build()
				}
				for _, res := range client.DoMulti(ctx, cmds...) {
					if err := res.Error(); err != nil && !rd.IsRedisNil(err) {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkGetWithCancel is BenchmarkGet with a ctx that can end, as a
// request's: the store sends the calls itself while it is not careful
// (steady), and from goroutines of its own while it is (careful: its
// first second, or a second after trouble; see guard.go).
func BenchmarkGetWithCancel(b *testing.B) {
	client := benchClient(b)
	seedBenchKeys(b, client)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get := func(s *Store) func(ctx context.Context, key string) error {
		return func(ctx context.Context, key string) error {
			_, _, err := s.Get(ctx, key)
			return err
		}
	}
	b.Run("client", func(b *testing.B) {
		runParallelWith(b, ctx, func(ctx context.Context, key string) error {
			_, err := client.Do(ctx, client.B().Get().Key(key).Build()).AsBytes()
			return err
		})
	})
	b.Run("store/steady", func(b *testing.B) {
		s := New(client, Options{})
		defer s.Close()
		s.guard.until.Store(0) // past its first careful second
		runParallelWith(b, ctx, get(s))
	})
	b.Run("store/careful", func(b *testing.B) {
		s := New(client, Options{})
		defer s.Close()
		s.guard.until.Store(math.MaxInt64)
		runParallelWith(b, ctx, get(s))
	})
}
