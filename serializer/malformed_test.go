package serializer_test

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// malformed is one row of a table of inputs that must give an error.
type malformed struct {
	name string
	data []byte
}

// rejects asserts that every input is an error for s, and that the error
// comes with the zero value.
func rejects[V any](t *testing.T, s cache.Serializer[V], rows []malformed) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			v, err := s.Unmarshal(row.data)
			assert.Error(t, err)
			var zero V
			assert.Equal(t, zero, v)
		})
	}
}

// garbage is input that no structured format decodes into a sample.
var garbage = []malformed{
	{"empty", nil},
	{"one-byte", []byte{0xc1}},
	{"text", []byte("not a value of any format")},
	{"zeros", make([]byte, 64)},
	{"ones", bytes.Repeat([]byte{0xff}, 64)},
}

func TestUnmarshalOfGarbageIsAnError(t *testing.T) {
	for _, f := range formats {
		t.Run(f, func(t *testing.T) { rejects(t, pick[sample](f), garbage) })
	}
}

func TestUnmarshalOfTruncatedValueIsAnError(t *testing.T) {
	for _, f := range formats {
		t.Run(f, func(t *testing.T) {
			s := pick[sample](f)
			data, err := s.Marshal(newSample())
			require.NoError(t, err)
			var rows []malformed
			for _, n := range []int{1, len(data) / 2, len(data) - 1} {
				rows = append(rows, malformed{name: "first-" + strconv.Itoa(n), data: data[:n]})
			}
			rejects(t, s, rows)
		})
	}
}

func TestUnmarshalOfTrailingBytesIsAnError(t *testing.T) {
	for _, f := range formats {
		t.Run(f, func(t *testing.T) {
			s := pick[small](f)
			data, err := s.Marshal(newSmall())
			require.NoError(t, err)
			twice := append(append([]byte{}, data...), data...)
			rejects(t, s, []malformed{{"value-twice", twice}, {"extra-byte", append(data, 0)}})
		})
	}
}

func TestUnmarshalOfAnotherTypeIsAnError(t *testing.T) {
	for _, f := range formats {
		t.Run(f, func(t *testing.T) {
			data, err := pick[string](f).Marshal("text")
			require.NoError(t, err)
			rejects(t, pick[sample](f), []malformed{{"string-as-struct", data}})
			rejects(t, pick[[]int](f), []malformed{{"string-as-slice", data}})
		})
	}
}

// Length prefixes that announce far more than the input holds: without the
// check before decoding, msgpack's decoder would allocate the announced
// length at once.
var hugeMsgpackLengths = []malformed{
	{"array32", []byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}},
	{"array32-16M", []byte{0xdd, 0x01, 0x00, 0x00, 0x00, 0x01, 0x02}},
	{"map32", []byte{0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'k', 0x01}},
	{"bin32", []byte{0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}},
	{"str32", []byte{0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}},
	{"ext32", []byte{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00}},
	{"nested-array32", []byte{0x91, 0xdd, 0x7f, 0xff, 0xff, 0xff, 0xc0}},
	{"array-one-short", []byte{0x93, 0x01, 0x02}},
}

func TestMsgpackLengthPrefixCannotForceAllocation(t *testing.T) {
	check := func(t *testing.T, decode func([]byte) error) {
		for _, row := range hugeMsgpackLengths {
			t.Run(row.name, func(t *testing.T) {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := decode(row.data)
				runtime.ReadMemStats(&after)
				assert.Error(t, err)
				assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20),
					"allocated for a %d-byte input", len(row.data))
			})
		}
	}
	t.Run("[]int64", func(t *testing.T) {
		check(t, func(b []byte) error { _, err := pick[[]int64]("Msgpack").Unmarshal(b); return err })
	})
	t.Run("[][]int64", func(t *testing.T) {
		check(t, func(b []byte) error { _, err := pick[[][]int64]("Msgpack").Unmarshal(b); return err })
	})
	t.Run("map[string]int", func(t *testing.T) {
		check(t, func(b []byte) error { _, err := pick[map[string]int]("Msgpack").Unmarshal(b); return err })
	})
	t.Run("[]byte", func(t *testing.T) {
		check(t, func(b []byte) error { _, err := pick[[]byte]("Msgpack").Unmarshal(b); return err })
	})
	t.Run("any", func(t *testing.T) {
		check(t, func(b []byte) error { _, err := pick[any]("Msgpack").Unmarshal(b); return err })
	})
}

// nest returns depth single-element arrays around nil.
func nest(depth int) []byte {
	return append(bytes.Repeat([]byte{0x91}, depth), 0xc0)
}

func TestMsgpackDecodesNestingUpToTheLimit(t *testing.T) {
	s := pick[any]("Msgpack")
	_, err := s.Unmarshal(nest(10000))
	assert.NoError(t, err)
	_, err = s.Unmarshal(nest(10001))
	assert.ErrorContains(t, err, "nesting")
	// Far deeper than the limit: an error, not a stack overflow.
	_, err = s.Unmarshal(nest(10 << 20))
	assert.Error(t, err)
}

func TestMsgpackDecoderPanicIsAnError(t *testing.T) {
	// A map whose key is an array, decoded into map[any]any: an array
	// ([]any) cannot be a map key, and the decoder panics.
	v, err := pick[map[any]any]("Msgpack").Unmarshal([]byte{0x81, 0x91, 0x01, 0x01})
	assert.ErrorContains(t, err, "panicked")
	assert.Nil(t, v)
	// The serializer still works afterwards.
	got, err := pick[[]int]("Msgpack").Unmarshal([]byte{0x92, 0x01, 0x02})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, got)
}

func TestMsgpackRejectsTheUnusedCode(t *testing.T) {
	rejects(t, pick[any]("Msgpack"), []malformed{
		{"alone", []byte{0xc1}},
		{"in-array", []byte{0x92, 0x01, 0xc1}},
	})
}

func TestGobEmptyInputIsNilOnlyForPointers(t *testing.T) {
	p, err := pick[*sample]("Gob").Unmarshal(nil)
	require.NoError(t, err)
	assert.Nil(t, p)
	rejects(t, pick[sample]("Gob"), []malformed{{"empty", []byte{}}})
	rejects(t, pick[[]int]("Gob"), []malformed{{"empty", []byte{}}})
}

func TestGobMarshalOfNilBehindAPointerIsAnError(t *testing.T) {
	// gob would write a stream that it cannot read back.
	var inner *int
	_, err := pick[**int]("Gob").Marshal(&inner)
	assert.Error(t, err)
	// The other formats write a null, which reads back as a nil **int.
	for _, f := range []string{"JSON", "Msgpack"} {
		data, err := pick[**int](f).Marshal(&inner)
		require.NoError(t, err)
		got, err := pick[**int](f).Unmarshal(data)
		require.NoError(t, err)
		assert.Nil(t, got, f)
	}
}

func TestJSONNestingBeyondLimitIsAnError(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	_, err := pick[any]("JSON").Unmarshal([]byte(deep))
	assert.Error(t, err)
}
