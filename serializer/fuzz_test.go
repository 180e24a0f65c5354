package serializer_test

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/serializer"
)

// The fuzz tests feed arbitrary bytes to Unmarshal. The property: a value or
// an error, never a panic, a hang or a huge allocation; and a value that
// decodes re-encodes into bytes that decode to the same value.

// seed adds the encodings of typical values and the garbage rows.
func seed(f *testing.F, format string) {
	f.Helper()
	add := func(data []byte, err error) {
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	add(pick[sample](format).Marshal(newSample()))
	add(pick[large](format).Marshal(newLarge()))
	add(pick[map[string]int](format).Marshal(map[string]int{"a": 1}))
	add(pick[[]int](format).Marshal([]int{1, 2, 3}))
	add(pick[string](format).Marshal("text"))
	for _, row := range garbage {
		f.Add(row.data)
	}
}

// decodeStable unmarshals data with s and, if that works, checks that the
// value survives another round trip.
func decodeStable[V any](t *testing.T, s cache.Serializer[V], data []byte, eq func(a, b V) bool) {
	v, err := s.Unmarshal(data)
	if err != nil {
		return
	}
	again, err := s.Marshal(v)
	if err != nil {
		// Only formats that decode values they cannot encode get here
		// (none of the types below); report it.
		t.Fatalf("decoded %#v but cannot encode it: %v", v, err)
	}
	w, err := s.Unmarshal(again)
	if err != nil {
		t.Fatalf("cannot decode a re-encoded value %#v: %v", v, err)
	}
	if !eq(v, w) {
		t.Fatalf("value changed on a second round trip:\nfirst  %#v\nsecond %#v", v, w)
	}
}

// fuzzStructured is the body shared by the structured formats.
func fuzzStructured(t *testing.T, format string, data []byte) {
	decodeStable(t, pick[sample](format), data, sampleEq)
	decodeStable(t, pick[[]int](format), data, slices.Equal[[]int])
	decodeStable(t, pick[map[string]int](format), data, maps.Equal[map[string]int])
	// Interfaces: only "no panic" holds, as generic types do not always
	// re-encode into the same types.
	_, _ = pick[any](format).Unmarshal(data)
	_, _ = pick[map[any]any](format).Unmarshal(data)
}

func FuzzJSON(f *testing.F) {
	seed(f, "JSON")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzStructured(t, "JSON", data) })
}

func FuzzMsgpack(f *testing.F) {
	seed(f, "Msgpack")
	for _, row := range hugeMsgpackLengths {
		f.Add(row.data)
	}
	f.Add([]byte{0x81, 0x91, 0x01, 0x01})
	f.Add(nest(100))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzStructured(t, "Msgpack", data) })
}

func FuzzGob(f *testing.F) {
	seed(f, "Gob")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzStructured(t, "Gob", data) })
}

func FuzzString(f *testing.F) {
	f.Add([]byte("text"))
	f.Add([]byte{0xff, 0x00})
	s := serializer.String()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := s.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Marshal(v)
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("round trip of %q gave %q, %v", data, out, err)
		}
	})
}

func FuzzBytes(f *testing.F) {
	f.Add([]byte("text"))
	s := serializer.Bytes()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := s.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Marshal(v)
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("round trip of %q gave %q, %v", data, out, err)
		}
	})
}
