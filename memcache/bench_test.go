package memcache

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/serializer"
)

// benchParallelism is the goroutines per GOMAXPROCS of the parallel
// benchmarks: many requests in flight, as in a server.
const benchParallelism = 32

// benchClient returns a client with an idle connection for every
// goroutine of a parallel benchmark.
func benchClient(b *testing.B) *gm.Client {
	client := gm.New(testserver.Memcached(b))
	client.MaxIdleConns = 2 * benchParallelism * 4
	client.Timeout = 2 * time.Second
	b.Cleanup(func() { _ = client.Close() })
	return client
}

// benchKeys are the keys the benchmarks spread over.
func benchKeys(b *testing.B, prefix string) []string {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = prefix + b.Name() + strconv.Itoa(i)
	}
	return keys
}

// benchGetters are the ways BenchmarkGet reads a key: the raw client, the
// store, and a Cache[string, []byte] with serializer.Bytes() on the store.
func benchGetters(client *gm.Client, s *Store) map[string]func(ctx context.Context, k string) error {
	c := cache.Must(cache.New(s, cache.Options[string, []byte]{Serializer: serializer.Bytes()}))
	miss := func(k string, found bool, err error) error {
		if !found && err == nil {
			return fmt.Errorf("miss of %q", k)
		}
		return err
	}
	return map[string]func(ctx context.Context, k string) error{
		"raw": func(_ context.Context, k string) error { _, err := client.Get(k); return err },
		"store": func(ctx context.Context, k string) error {
			_, found, err := s.Get(ctx, k)
			return miss(k, found, err)
		},
		"cache": func(ctx context.Context, k string) error {
			_, found, err := c.Get(ctx, k)
			return miss(k, found, err)
		},
	}
}

// runParallel runs op over keys from benchParallelism goroutines per CPU.
func runParallel(b *testing.B, keys []string, op func(ctx context.Context, k string) error) {
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := op(b.Context(), keys[i%len(keys)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkGet compares a Get through the store and through a cache (keys
// without namespace: one round trip) with the same Get on the raw client,
// and shows a namespaced Get.
func BenchmarkGet(b *testing.B) {
	client := benchClient(b)
	val := make([]byte, 100)
	for _, kind := range []string{"raw", "store", "cache", "store-namespaced"} {
		b.Run(kind, func(b *testing.B) {
			s := New(client, Options{})
			defer s.Close()
			prefix, op := "", kind
			if kind == "store-namespaced" {
				prefix, op = "bench:", "store"
			}
			keys := benchKeys(b, prefix)
			for _, k := range keys {
				if err := s.Set(b.Context(), k, val, 0); err != nil {
					b.Fatal(err)
				}
			}
			runParallel(b, keys, benchGetters(client, s)[op])
		})
	}
}

// BenchmarkSet compares a Set through the store and through a cache with
// the same Set on the raw client.
func BenchmarkSet(b *testing.B) {
	client := benchClient(b)
	val := make([]byte, 100)
	for _, kind := range []string{"raw", "store", "cache"} {
		b.Run(kind, func(b *testing.B) {
			s := New(client, Options{})
			defer s.Close()
			c := cache.Must(cache.New(s, cache.Options[string, []byte]{Serializer: serializer.Bytes()}))
			set := map[string]func(ctx context.Context, k string) error{
				"raw":   func(_ context.Context, k string) error { return client.Set(&gm.Item{Key: k, Value: val}) },
				"store": func(ctx context.Context, k string) error { return s.Set(ctx, k, val, 0) },
				"cache": func(ctx context.Context, k string) error { return c.Set(ctx, k, val) },
			}[kind]
			runParallel(b, benchKeys(b, ""), set)
		})
	}
}

// BenchmarkMultiSet compares writing 32 keys one after the other with
// writing them several at a time (Options.MultiSetConcurrency), on
// loopback and behind a simulated network round trip of 200µs.
func BenchmarkMultiSet(b *testing.B) {
	for _, rtt := range []time.Duration{0, 200 * time.Microsecond} {
		client := benchClient(b)
		if rtt > 0 {
			client.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := new(net.Dialer).DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return slowConn{Conn: conn, delay: rtt}, nil
			}
		}
		for _, conc := range []int{1, 4, 8, 16} {
			b.Run(fmt.Sprintf("rtt=%v/concurrency=%d", rtt, conc), func(b *testing.B) {
				s := New(client, Options{MultiSetConcurrency: conc})
				defer s.Close()
				keys := benchKeys(b, "")[:32]
				vals := make([][]byte, len(keys))
				for i := range vals {
					vals[i] = make([]byte, 100)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := s.MultiSet(b.Context(), keys, vals, time.Minute); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// slowConn delays every write by delay, as a network round trip would
// delay its answer.
type slowConn struct {
	net.Conn
	delay time.Duration
}

func (c slowConn) Write(p []byte) (int, error) {
	time.Sleep(c.delay)
	return c.Conn.Write(p)
}

// BenchmarkOverheadOfGetPath measures what the store adds to a Get of a
// key without namespace, without the round trip: the open and ctx checks
// and the key mapping.
func BenchmarkOverheadOfGetPath(b *testing.B) {
	s := New(gm.New("127.0.0.1:1"), Options{}) // never dialled
	defer s.Close()
	ctx := b.Context()
	key := "user:profile:1234567890"[5:] // no namespace, 18 bytes
	b.ReportAllocs()
	for b.Loop() {
		if err := s.begin(ctx, "get", key); err != nil {
			b.Fatal(err)
		}
		if plainKey(key) != key {
			b.Fatal("key changed")
		}
		if err := after(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}
