package cachetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
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

// RawBytes and RawString are serializers that keep bytes and strings as
// they are (as package serializer's Bytes and String do, and as byte
// stores do by default), so that the suites depend on package cache alone.
type RawBytes struct{}

// Marshal returns v.
func (RawBytes) Marshal(v []byte) ([]byte, error) { return v, nil }

// Unmarshal returns data.
func (RawBytes) Unmarshal(data []byte) ([]byte, error) { return data, nil }

// ReadsDecimal reports true: Increment's numbers come back as their text.
func (RawBytes) ReadsDecimal() bool { return true }

type RawString struct{}

// Marshal returns the bytes of v.
func (RawString) Marshal(v string) ([]byte, error) { return []byte(v), nil }

// Unmarshal returns data as a string.
func (RawString) Unmarshal(data []byte) (string, error) { return string(data), nil }

// ReadsDecimal reports true: Increment's numbers come back as their text.
func (RawString) ReadsDecimal() bool { return true }

// runSerializers checks that values of every shape round-trip through the
// store with the default serializer, and that the store keeps bytes
// exactly, so that any serializer (binary ones included) works on it.
func runSerializers(t *testing.T, h Harness) {
	s := h.store(t)
	t.Run("DefaultSerializerRoundTrips", func(t *testing.T) {
		c := NewCache[string, record](t, s, cache.Options[string, record]{Namespace: "default"})
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

	t.Run("BytesAreStoredExactly", func(t *testing.T) {
		c := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "bytes", Serializer: RawBytes{}})
		want := allBytes()
		require.NoError(t, c.Set(t.Context(), "b", want))
		AssertValue(t, c, "b", want)
		m, err := c.MultiGet(t.Context(), "b")
		require.NoError(t, err)
		assert.Equal(t, want, m["b"])
		// Every byte value in every position of a longer value, as a binary
		// format writes them.
		long := make([]byte, 64<<10)
		for i := range long {
			long[i] = byte(i*7 + i/256)
		}
		require.NoError(t, c.Set(t.Context(), "long", long))
		AssertValue(t, c, "long", long)
	})

	t.Run("StringsAreStoredExactly", func(t *testing.T) {
		c := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "str", Serializer: RawString{}})
		want := string(allBytes())
		require.NoError(t, c.Set(t.Context(), "s", want))
		AssertValue(t, c, "s", want)
		raw := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "str", Serializer: RawBytes{}})
		AssertValue(t, raw, "s", []byte(want))
	})

	t.Run("DefaultOfBytesAndStringsIsTheirBytes", func(t *testing.T) {
		// What another client of the backend wrote or will read: no JSON
		// quotes, no base64.
		raw := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "dflt", Serializer: RawBytes{}})
		bytesCache := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "dflt"})
		strs := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "dflt"})
		require.NoError(t, bytesCache.Set(t.Context(), "b", []byte{0xff, 0}))
		AssertValue(t, raw, "b", []byte{0xff, 0})
		require.NoError(t, strs.Set(t.Context(), "s", "hello"))
		AssertValue(t, raw, "s", []byte("hello"))
		require.NoError(t, raw.Set(t.Context(), "from-others", []byte("plain text")))
		AssertValue(t, strs, "from-others", "plain text")
		AssertValue(t, bytesCache, "from-others", []byte("plain text"))
	})
}
