package benchmarks

import (
	"context"
	"reflect"
	"testing"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/memory"
	"github.com/cachekit/cachekit/serializer"
)

// serCase is one serializer with one value: the format's name, the size
// class and the benchmarks it runs.
type serCase struct {
	format, size string
	// codec runs Marshal then Unmarshal.
	codec func(b *testing.B)
	// store runs Set then Get through a Cache with the serializer on store.
	store func(b *testing.B, store cache.Store)
}

// newSerCase returns the case of ser with value v.
func newSerCase[V any](format, size string, ser cache.Serializer[V], v V) serCase {
	return serCase{
		format: format,
		size:   size,
		codec: func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				data, err := ser.Marshal(v)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ser.Unmarshal(data); err != nil {
					b.Fatal(err)
				}
			}
			data, _ := ser.Marshal(v)
			b.ReportMetric(float64(len(data)), "bytes/value")
			got, err := ser.Unmarshal(data)
			if err != nil || !reflect.DeepEqual(got, v) {
				b.Errorf("%s: round trip gave %v, %v", format, got, err)
			}
		},
		store: func(b *testing.B, store cache.Store) {
			c := cache.Must(cache.New(store, cache.Options[string, V]{Serializer: ser}))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Set(ctx, "ser-key", v); err != nil {
					b.Fatal(err)
				}
				if _, found, err := c.Get(ctx, "ser-key"); !found || err != nil {
					b.Fatal("no value", err)
				}
			}
		},
	}
}

// serCases are the five serializers, each with a small struct and a 4 KiB
// one; Bytes and String carry the JSON of those structs, so that every
// format moves values of the same size.
func serCases() []serCase {
	small, large := newSmallValue(), newLargeValue()
	return []serCase{
		newSerCase("bytes", "small", serializer.Bytes(), jsonBytes(small)),
		newSerCase("string", "small", serializer.String(), string(jsonBytes(small))),
		newSerCase("json", "small", serializer.JSON[smallValue](), small),
		newSerCase("msgpack", "small", serializer.Msgpack[smallValue](), small),
		newSerCase("gob", "small", serializer.Gob[smallValue](), small),
		newSerCase("bytes", "4KiB", serializer.Bytes(), jsonBytes(large)),
		newSerCase("string", "4KiB", serializer.String(), string(jsonBytes(large))),
		newSerCase("json", "4KiB", serializer.JSON[largeValue](), large),
		newSerCase("msgpack", "4KiB", serializer.Msgpack[largeValue](), large),
		newSerCase("gob", "4KiB", serializer.Gob[largeValue](), large),
	}
}

// BenchmarkSerializer measures Marshal followed by Unmarshal:
// BenchmarkSerializer/size=S/impl=FORMAT, with the encoded size as the
// bytes/value metric.
func BenchmarkSerializer(b *testing.B) {
	for _, sc := range serCases() {
		b.Run("size="+sc.size+"/impl="+sc.format, sc.codec)
	}
}

// BenchmarkSerializerStore measures Set followed by Get of one key through
// a Cache with each serializer, on the memory store (its byte path: the
// serializer's cost plus a copy) and on Redis (plus a round trip each).
func BenchmarkSerializerStore(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) cache.Store
	}{
		{"memory", func(b *testing.B) cache.Store {
			s := memory.New(memory.Options{})
			b.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"redis", func(b *testing.B) cache.Store {
			return newCachekitRedisStore(b, testserver.Redis(b))
		}},
	}
	for _, st := range stores {
		for _, sc := range serCases() {
			b.Run("store="+st.name+"/size="+sc.size+"/impl="+sc.format, func(b *testing.B) {
				sc.store(b, st.open(b))
			})
		}
	}
}
