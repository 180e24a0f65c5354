package cachetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/serializer"
)

// record has the shapes a serializer must carry: nested struct, map,
// slice, pointer, time and raw bytes.
type record struct {
	Name    string
	Count   int64
	Ratio   float64
	Tags    []string
	Attrs   map[string]int
	Origin  *point
	Created time.Time
	Blob    []byte
	Ok      bool
}

func sampleRecord() record {
	return record{
		Name:    "naïve ☃",
		Count:   -1 << 40,
		Ratio:   0.25,
		Tags:    []string{"a", "b"},
		Attrs:   map[string]int{"x": 1, "y": -2},
		Origin:  &point{3, 4},
		Created: time.Date(2026, 11, 27, 16, 33, 0, 123456789, time.UTC),
		Blob:    []byte{0, 1, 2, 0xff, 0xfe},
		Ok:      true,
	}
}

// allBytes holds every byte value, and sequences that are not valid UTF-8.
func allBytes() []byte {
	b := make([]byte, 0, 512)
	for i := range 256 {
		b = append(b, byte(i))
	}
	return append(b, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0, 0, '\r', '\n')
}

func runSerializers(t *testing.T, h Harness) {
	s := h.store(t)
	serializers := map[string]cache.Serializer[record]{
		"default": nil,
		"json":    serializer.JSON[record](),
		"msgpack": serializer.Msgpack[record](),
		"gob":     serializer.Gob[record](),
	}
	for name, ser := range serializers {
		t.Run(name, func(t *testing.T) {
			c := newCache[string, record](t, s, cache.Options[string, record]{Namespace: name, Serializer: ser})
			want := sampleRecord()
			require.NoError(t, c.Set(t.Context(), "r", want))
			got, found, err := c.Get(t.Context(), "r")
			require.NoError(t, err)
			require.True(t, found)
			assert.True(t, want.Created.Equal(got.Created), "time: %v != %v", got.Created, want.Created)
			got.Created = want.Created
			assert.Equal(t, want, got)
			m, err := c.MultiGet(t.Context(), "r")
			require.NoError(t, err)
			assert.Len(t, m, 1)
		})
	}

	t.Run("BytesAreStoredExactly", func(t *testing.T) {
		c := newCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "bytes", Serializer: serializer.Bytes()})
		want := allBytes()
		require.NoError(t, c.Set(t.Context(), "b", want))
		assertValue(t, c, "b", want)
		m, err := c.MultiGet(t.Context(), "b")
		require.NoError(t, err)
		assert.Equal(t, want, m["b"])
	})

	t.Run("StringsAreStoredExactly", func(t *testing.T) {
		c := newCache[string, string](t, s, cache.Options[string, string]{Namespace: "str", Serializer: serializer.String()})
		want := string(allBytes())
		require.NoError(t, c.Set(t.Context(), "s", want))
		assertValue(t, c, "s", want)
		raw, found, err := s.Get(t.Context(), c.Key("s"))
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, []byte(want), raw, "String writes the string's bytes unchanged")
	})

	t.Run("BinaryFormatsInMaps", func(t *testing.T) {
		type blob struct{ B []byte }
		for name, ser := range map[string]cache.Serializer[map[string]blob]{
			"msgpack": serializer.Msgpack[map[string]blob](),
			"gob":     serializer.Gob[map[string]blob](),
		} {
			c := newCache[string, map[string]blob](t, s, cache.Options[string, map[string]blob]{Namespace: "bin" + name, Serializer: ser})
			want := map[string]blob{"all": {allBytes()}}
			require.NoError(t, c.Set(t.Context(), "m", want), name)
			assertValue(t, c, "m", want)
		}
	})
}
