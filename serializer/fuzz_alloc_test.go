package serializer_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cachekit/cachekit/cache"
)

// The allocation fuzzers decode arbitrary bytes into the target types that
// hostile bytes hit hardest (maps and slices of interfaces, a struct of
// nested maps) and fail if one decode allocates more than allocBound of its
// input: what a decoder allocates must be bounded by what it was given,
// whatever the nesting (containers inside msgpack extensions, maps of
// arrays, arrays of maps, gob's interface values and type definitions).

// nestedMaps is a struct of nested maps and slices, with an interface and a
// time (a msgpack extension).
type nestedMaps struct {
	Name  string                       `json:"name"`
	Attrs map[string]any               `json:"attrs"`
	Rows  []map[string][]int           `json:"rows"`
	Tree  map[string]map[string]string `json:"tree"`
	Any   any                          `json:"any"`
	When  time.Time                    `json:"when"`
	Next  *nestedMaps                  `json:"next"`
}

func newNestedMaps() nestedMaps {
	return nestedMaps{
		Name:  "n",
		Attrs: map[string]any{"a": 1, "b": []any{"x", 2.5}},
		Rows:  []map[string][]int{{"r": {1, 2}}, {}},
		Tree:  map[string]map[string]string{"t": {"k": "v"}},
		Any:   map[string]any{"deep": []any{map[string]any{}}},
		When:  time.Date(2026, 12, 1, 8, 0, 0, 555, time.UTC),
		Next:  &nestedMaps{Name: "next"},
	}
}

// allocSlack is what one decode may allocate whatever its input: decoder
// state, reflection caches warmed on first use, the fuzzing engine's own
// bookkeeping.
const allocSlack = 256 << 10

// allocPerByte bounds what a decode may allocate per input byte beyond
// allocSlack. A map entry costs a Go map tens of bytes and can be encoded
// in two; a one-byte empty map or slice held in an interface costs a
// header of 24 to 48 bytes.
const allocPerByte = 256

// allocBound is the most a decode of n input bytes may allocate.
func allocBound(n int) uint64 { return allocSlack + allocPerByte*uint64(n) }

// allocated returns the bytes allocated by f.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// decodeBounded decodes data with s and fails if that allocates more than
// allocBound(len(data)).
func decodeBounded[V any](t *testing.T, s cache.Serializer[V], data []byte) {
	t.Helper()
	n := allocated(func() { _, _ = s.Unmarshal(data) })
	if n > allocBound(len(data)) {
		t.Fatalf("decoding %d bytes allocated %d bytes (bound %d): %q", len(data), n, allocBound(len(data)), data)
	}
}

// hostileMsgpack are inputs that once took the process down: containers
// hidden in extension payloads, which msgpack's decoder reads as a map when
// it expects one.
var hostileMsgpack = []malformed{
	// fixext8 of type '0' wrapping a fixmap whose value is a map32 of
	// 3.6 billion pairs: fatal "out of memory" for map[any]any.
	{"fixext8-map32-in-map", []byte("\xd70\x8b0\xdf\xd70\x8b00")},
	// The same for map[string]any: a map32 of 2³¹-1 pairs.
	{"fixext8-map32-2^31", []byte("\xd70\x81\xa1k\xdf\x7f\xff\xff\xff")},
	// 2²⁴ pairs: 1.28 GB allocated before the error.
	{"fixext8-map32-2^24", []byte("\xd70\x81\xa1k\xdf\x01\x00\x00\x00")},
	// ext8 of one byte wrapping a map16 whose count follows the ext.
	{"ext8-1-map16", []byte("\x92\xc7\x01\x01\xde\xff\xff\xc0")},
	// An array of maps, each an extension wrapping a map32.
	{"array-of-ext-maps", []byte("\x92\xd6\x01\xdf\xff\xff\xff\xd6\x01\xdf\xff\xff\xff")},
}

// timestampMap16 is a map whose value is a timestamp extension (-1) with a
// payload that starts like a map16 of 65535 pairs: a time for a value of
// type any or time.Time, a misread payload for a value that is a map.
var timestampMap16 = []byte("\x81\xa1k\xd7\xff\xde\xff\xff\x00\x00\x00\x00\x00")

func TestHostileMsgpackIsAnErrorWithBoundedAllocation(t *testing.T) {
	for _, row := range hostileMsgpack {
		t.Run(row.name, func(t *testing.T) {
			checkHostile(t, pick[map[any]any]("Msgpack"), row.data)
			checkHostile(t, pick[map[string]any]("Msgpack"), row.data)
			checkHostile(t, pick[[]any]("Msgpack"), row.data)
			checkHostile(t, pick[[]map[string]any]("Msgpack"), row.data)
			checkHostile(t, pick[nestedMaps]("Msgpack"), row.data)
			checkHostile(t, pick[any]("Msgpack"), row.data)
		})
	}
	t.Run("timestamp-map16", func(t *testing.T) {
		checkHostile(t, pick[map[string]map[string]int]("Msgpack"), timestampMap16)
		v, err := pick[map[string]any]("Msgpack").Unmarshal(timestampMap16)
		if assert.NoError(t, err) {
			assert.IsType(t, time.Time{}, v["k"])
		}
	})
}

func checkHostile[V any](t *testing.T, s cache.Serializer[V], data []byte) {
	t.Helper()
	var err error
	n := allocated(func() { _, err = s.Unmarshal(data) })
	assert.Error(t, err, "%T", s)
	assert.Less(t, n, uint64(64<<10), "%T allocated for a %d-byte input", s, len(data))
}

// TestMsgpackStillDecodesExtensions checks that the guard against misread
// payloads lets the values that do carry extensions through: times of every
// encoding (4, 8 and 12 bytes) in maps, slices and structs, including times
// whose payload bytes happen to look like map headers.
func TestMsgpackStillDecodesExtensions(t *testing.T) {
	times := []time.Time{
		time.Unix(1, 0),                          // timestamp32
		time.Unix(0x8fffffff, 0),                 // timestamp32 whose first byte is a fixmap
		time.Unix(0xdeadbeef, 0),                 // timestamp32 whose first byte is map16
		time.Unix(1, 5),                          // timestamp64
		time.Unix(0x0ff, 0x37800000>>2),          // timestamp64 starting 0xde
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), // timestamp96
	}
	for _, tm := range times {
		v := nestedMaps{When: tm, Attrs: map[string]any{"t": tm}, Next: &nestedMaps{When: tm}}
		s := pick[nestedMaps]("Msgpack")
		data, err := s.Marshal(v)
		if !assert.NoError(t, err) {
			continue
		}
		got, err := s.Unmarshal(data)
		if assert.NoError(t, err, "%v", tm) {
			assert.True(t, got.When.Equal(tm), "%v != %v", got.When, tm)
			assert.True(t, got.Next.When.Equal(tm))
			assert.True(t, got.Attrs["t"].(time.Time).Equal(tm))
		}
		m := map[string][]time.Time{"k": {tm, tm}}
		data, err = pick[map[string][]time.Time]("Msgpack").Marshal(m)
		if assert.NoError(t, err) {
			back, err := pick[map[string][]time.Time]("Msgpack").Unmarshal(data)
			assert.NoError(t, err, "%v", tm)
			assert.Len(t, back["k"], 2)
		}
	}
}

// fuzzSeeds adds the encodings of typical values of every target type, the
// garbage rows and the hostile inputs.
func fuzzSeeds(f *testing.F, format string) {
	f.Helper()
	add := func(data []byte, err error) {
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	add(pick[nestedMaps](format).Marshal(newNestedMaps()))
	add(pick[map[string]any](format).Marshal(map[string]any{"a": 1, "b": map[string]any{"c": []any{"d"}}}))
	add(pick[[]any](format).Marshal([]any{1, "two", []any{3.0}, map[string]any{"four": nil}}))
	add(pick[sample](format).Marshal(newSample()))
	if format == "Msgpack" {
		add(pick[map[any]any](format).Marshal(map[any]any{"k": []any{1, 2}}))
	}
	for _, row := range garbage {
		f.Add(row.data)
	}
	if format == "Msgpack" {
		for _, row := range append(hostileMsgpack, hugeMsgpackLengths...) {
			f.Add(row.data)
		}
		f.Add(timestampMap16)
	}
}

// fuzzBounded is the body of one allocation fuzzer.
func fuzzBounded[V any](f *testing.F, format string) {
	fuzzSeeds(f, format)
	s := pick[V](format)
	f.Fuzz(func(t *testing.T, data []byte) { decodeBounded(t, s, data) })
}

func FuzzMsgpackMapAny(f *testing.F)    { fuzzBounded[map[any]any](f, "Msgpack") }
func FuzzMsgpackMapString(f *testing.F) { fuzzBounded[map[string]any](f, "Msgpack") }
func FuzzMsgpackSliceAny(f *testing.F)  { fuzzBounded[[]any](f, "Msgpack") }
func FuzzMsgpackStruct(f *testing.F)    { fuzzBounded[nestedMaps](f, "Msgpack") }
func FuzzGobMapAny(f *testing.F)        { fuzzBounded[map[any]any](f, "Gob") }
func FuzzGobMapString(f *testing.F)     { fuzzBounded[map[string]any](f, "Gob") }
func FuzzGobSliceAny(f *testing.F)      { fuzzBounded[[]any](f, "Gob") }
func FuzzGobStruct(f *testing.F)        { fuzzBounded[nestedMaps](f, "Gob") }
func FuzzJSONMapAny(f *testing.F)       { fuzzBounded[map[any]any](f, "JSON") }
func FuzzJSONMapString(f *testing.F)    { fuzzBounded[map[string]any](f, "JSON") }
func FuzzJSONSliceAny(f *testing.F)     { fuzzBounded[[]any](f, "JSON") }
func FuzzJSONStruct(f *testing.F)       { fuzzBounded[nestedMaps](f, "JSON") }
