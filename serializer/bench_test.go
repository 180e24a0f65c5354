package serializer_test

import (
	"testing"

	"github.com/cachekit/cachekit/cache"
)

// benchCase is one serializer of one value shape.
type benchCase struct {
	name      string
	marshal   func() ([]byte, error)
	unmarshal func([]byte) error
}

func benchFor[V any](name string, s cache.Serializer[V], v V) benchCase {
	return benchCase{
		name:      name,
		marshal:   func() ([]byte, error) { return s.Marshal(v) },
		unmarshal: func(b []byte) error { _, err := s.Unmarshal(b); return err },
	}
}

// benchCases are every structured format with a small struct and a struct
// of about 4 KiB (in JSON), plus String and Bytes.
func benchCases() []benchCase {
	var cases []benchCase
	for _, f := range formats {
		cases = append(cases,
			benchFor(f+"/small", pick[small](f), newSmall()),
			benchFor(f+"/4KiB", pick[large](f), newLarge()),
		)
	}
	text := newLarge().Body
	cases = append(cases,
		benchFor("String/small", pick[string]("String"), "gopher"),
		benchFor("String/4KiB", pick[string]("String"), text+text+text),
		benchFor("Bytes/small", pick[[]byte]("Bytes"), []byte("gopher")),
		benchFor("Bytes/4KiB", pick[[]byte]("Bytes"), []byte(text+text+text)),
	)
	return cases
}

func BenchmarkMarshal(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			data, err := c.marshal()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			data, err := c.marshal()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.unmarshal(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
