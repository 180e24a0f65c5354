package serializer_test

import (
	"encoding/gob"
	"math/big"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/serializer"
)

// roundTrip is one row of a round-trip table: marshal in, unmarshal, and
// compare with want.
type roundTrip struct {
	name string
	run  func(t *testing.T)
}

// rt makes a row that expects Unmarshal(Marshal(in)) to equal want, by eq
// if given, else by assert.Equal.
func rt[V any](name string, s cache.Serializer[V], in, want V, eq func(a, b V) bool) roundTrip {
	return roundTrip{name: name, run: func(t *testing.T) {
		data, err := s.Marshal(in)
		require.NoError(t, err)
		got, err := s.Unmarshal(data)
		require.NoError(t, err)
		if eq != nil {
			assert.Truef(t, eq(want, got), "want %#v\ngot  %#v", want, got)
		} else {
			assert.Equal(t, want, got)
		}
	}}
}

// same makes a row that expects the value to come back unchanged.
func same[V any](name string, s cache.Serializer[V], v V) roundTrip {
	return rt(name, s, v, v, nil)
}

func timeEqual(a, b time.Time) bool { return a.Equal(b) }

func sampleEq(a, b sample) bool { return sampleEqual(&a, &b) }

// commonRows are the values every structured format round-trips exactly.
func commonRows(f string) []roundTrip {
	s := newSample()
	return []roundTrip{
		same(f+"/int", pick[int](f), -42),
		same(f+"/uint64", pick[uint64](f), 1<<63+5),
		same(f+"/float64", pick[float64](f), 3.25),
		same(f+"/bool", pick[bool](f), true),
		same(f+"/string", pick[string](f), "héllo, wörld"),
		same(f+"/bytes", pick[[]byte](f), []byte{0, 1, 2, 0xff}),
		same(f+"/slice", pick[[]string](f), []string{"a", "", "c"}),
		same(f+"/array", pick[[3]int](f), [3]int{1, 2, 3}),
		same(f+"/map", pick[map[string]int](f), map[string]int{"a": 1, "b": 0}),
		same(f+"/map-int-keys", pick[map[int]string](f), map[int]string{1: "a", -2: "b"}),
		same(f+"/map-of-slices", pick[map[string][]int](f), map[string][]int{"a": {1, 2}}),
		rt(f+"/struct", pick[sample](f), s, s, sampleEq),
		rt(f+"/pointer", pick[*sample](f), &s, &s, sampleEqual),
		same(f+"/nil-pointer", pick[*sample](f), nil),
		same(f+"/pointer-to-int", pick[*int](f), new(int)),
		rt(f+"/time", pick[time.Time](f), s.Created, s.Created, timeEqual),
		rt(f+"/time-utc", pick[time.Time](f), s.Next.Created, s.Next.Created, timeEqual),
		same(f+"/zero-time", pick[time.Time](f), time.Time{}),
		rt(f+"/slice-of-pointers", pick[[]*sample](f), []*sample{&s, s.Next}, []*sample{&s, s.Next},
			func(a, b []*sample) bool {
				return len(a) == len(b) && sampleEqual(a[0], b[0]) && sampleEqual(a[1], b[1])
			}),
		rt(f+"/small", pick[small](f), newSmall(), newSmall(), func(a, b small) bool {
			return reflect.DeepEqual(a.utc(), b.utc())
		}),
		rt(f+"/large", pick[large](f), newLarge(), newLarge(), func(a, b large) bool {
			return reflect.DeepEqual(a.utc(), b.utc())
		}),
	}
}

func TestStructuredFormatsRoundTripEveryShape(t *testing.T) {
	for _, f := range formats {
		for _, row := range commonRows(f) {
			t.Run(row.name, row.run)
		}
	}
}

// Each format's own behaviour where formats differ: what comes back is
// documented in the package doc.
func TestFormatSpecificRoundTrips(t *testing.T) {
	gob.Register(sample{})
	zone := time.FixedZone("CET", 3600)
	at := time.Date(2024, 11, 27, 16, 35, 1, 5, zone)
	rows := []roundTrip{
		// JSON: text only.
		rt("JSON/invalid-utf8", serializer.JSON[string](), "a\xffb", "a\ufffdb", nil),
		same("JSON/nil-slice", serializer.JSON[[]int](), nil),
		same("JSON/empty-slice", serializer.JSON[[]int](), []int{}),
		rt("JSON/any-number", serializer.JSON[any](), any(5), any(5.0), nil),
		rt("JSON/time-keeps-offset", serializer.JSON[time.Time](), at, at, func(a, b time.Time) bool {
			_, off := b.Zone()
			return a.Equal(b) && off == 3600
		}),

		// Msgpack: bytes exactly, nil versus empty.
		same("Msgpack/invalid-utf8", serializer.Msgpack[string](), "a\xffb"),
		same("Msgpack/nil-slice", serializer.Msgpack[[]int](), nil),
		same("Msgpack/empty-slice", serializer.Msgpack[[]int](), []int{}),
		same("Msgpack/nil-map", serializer.Msgpack[map[string]int](), nil),
		same("Msgpack/empty-map", serializer.Msgpack[map[string]int](), map[string]int{}),
		rt("Msgpack/any-number", serializer.Msgpack[any](), any(5), any(int8(5)), nil),
		same("Msgpack/any-string", serializer.Msgpack[any](), any("s")),
		rt("Msgpack/time-to-local", serializer.Msgpack[time.Time](), at, at.Local(), nil),
		same("Msgpack/json-tags", serializer.Msgpack[tagged](), tagged{Name: "n", Skip: ""}),
		rt("Msgpack/json-dash-skips", serializer.Msgpack[tagged](), tagged{Name: "n", Skip: "x"}, tagged{Name: "n"}, nil),

		// Gob: pointers and empties flattened, interfaces registered.
		same("Gob/invalid-utf8", serializer.Gob[string](), "a\xffb"),
		same("Gob/nil-slice", serializer.Gob[[]int](), nil),
		rt("Gob/empty-slice-to-nil", serializer.Gob[[]int](), []int{}, nil, nil),
		rt("Gob/nil-map-to-empty", serializer.Gob[map[string]int](), nil, map[string]int{}, nil),
		same("Gob/any-int", serializer.Gob[any](), any(5)),
		same("Gob/any-nil", serializer.Gob[any](), nil),
		rt("Gob/any-registered-struct", serializer.Gob[any](), any(newSample()), any(newSample()),
			func(a, b any) bool {
				x, ok1 := a.(sample)
				y, ok2 := b.(sample)
				return ok1 && ok2 && sampleEqual(&x, &y)
			}),
		rt("Gob/pointer-to-zero-field", serializer.Gob[withPointer](), withPointer{P: new(int)}, withPointer{}, nil),
		rt("Gob/time-keeps-offset", serializer.Gob[time.Time](), at, at, func(a, b time.Time) bool {
			_, off := b.Zone()
			return a.Equal(b) && off == 3600
		}),

		// String and Bytes: the bytes themselves.
		same("String/text", serializer.String(), "héllo"),
		same("String/invalid-utf8", serializer.String(), "a\xff\x00b"),
		same("String/empty", serializer.String(), ""),
		same("Bytes/binary", serializer.Bytes(), []byte{0, 0xff, '\n'}),
		same("Bytes/empty", serializer.Bytes(), []byte{}),
	}
	for _, row := range rows {
		t.Run(row.name, row.run)
	}
}

// tagged has a field that JSON, and therefore Msgpack, skips.
type tagged struct {
	Name string `json:"name,omitempty"`
	Skip string `json:"-"`
}

type withPointer struct {
	N int
	P *int
}

func TestBytesSharesTheSliceBothWays(t *testing.T) {
	s := serializer.Bytes()
	in := []byte("value")
	data, err := s.Marshal(in)
	require.NoError(t, err)
	assert.Same(t, &in[0], &data[0], "Marshal copied the slice")
	out, err := s.Unmarshal(data)
	require.NoError(t, err)
	assert.Same(t, &data[0], &out[0], "Unmarshal copied the slice")
}

func TestStringCopiesSoStoreBytesCanChange(t *testing.T) {
	s := serializer.String()
	data := []byte("abc")
	got, err := s.Unmarshal(data)
	require.NoError(t, err)
	data[0] = 'X'
	assert.Equal(t, "abc", got)
}

func TestMsgpackUnmarshalDoesNotAliasInput(t *testing.T) {
	s := serializer.Msgpack[[]byte]()
	data, err := s.Marshal([]byte("abc"))
	require.NoError(t, err)
	got, err := s.Unmarshal(data)
	require.NoError(t, err)
	for i := range data {
		data[i] = 0
	}
	assert.Equal(t, []byte("abc"), got)
}

func TestGobValuesAreSelfContained(t *testing.T) {
	// Two values of the same type, each decoded alone and in either order:
	// no value depends on type information sent with an earlier one.
	s := serializer.Gob[small]()
	a, b := newSmall(), newSmall()
	b.Name = "other"
	da, err := s.Marshal(a)
	require.NoError(t, err)
	db, err := s.Marshal(b)
	require.NoError(t, err)
	assert.Equal(t, da[:8], db[:8], "both streams start with the type description")
	gotB, err := s.Unmarshal(db)
	require.NoError(t, err)
	gotA, err := s.Unmarshal(da)
	require.NoError(t, err)
	assert.Equal(t, b, gotB)
	assert.Equal(t, a, gotA)
}

func TestMarshalOfUnencodableValueIsAnError(t *testing.T) {
	for _, f := range formats {
		t.Run(f, func(t *testing.T) {
			_, err := pick[chan int](f).Marshal(make(chan int))
			assert.Error(t, err)
			_, err = pick[func()](f).Marshal(func() {})
			assert.Error(t, err)
		})
	}
}

func TestMarshalResultIsCallersToKeep(t *testing.T) {
	// Pooled encoders must not hand out their buffer: a second Marshal
	// must not change the bytes of the first.
	for _, f := range formats {
		t.Run(f, func(t *testing.T) {
			s := pick[string](f)
			first, err := s.Marshal("first")
			require.NoError(t, err)
			keep := string(first)
			_, err = s.Marshal("second!")
			require.NoError(t, err)
			assert.Equal(t, keep, string(first))
		})
	}
}

func TestWhichSerializersReadIncrementsNumbers(t *testing.T) {
	reads := func(s any) bool {
		d, ok := s.(cache.DecimalReader)
		return ok && d.ReadsDecimal()
	}
	for name, tc := range map[string]struct {
		s    any
		want bool
	}{
		"json":    {serializer.JSON[int64](), true},
		"string":  {serializer.String(), true},
		"bytes":   {serializer.Bytes(), true},
		"msgpack": {serializer.Msgpack[int64](), false},
		"gob":     {serializer.Gob[int64](), false},
	} {
		if got := reads(tc.s); got != tc.want {
			t.Errorf("%s reads decimal text: %v, want %v", name, got, tc.want)
		}
	}
}

// TestGobRoundTripsTypesWithPointerReceivers checks types whose pointer has
// GobEncode and GobDecode (big.Int, url.URL), as values and as pointers.
func TestGobRoundTripsTypesWithPointerReceivers(t *testing.T) {
	n := big.NewInt(0).Exp(big.NewInt(10), big.NewInt(40), nil)
	u, err := url.Parse("https://example.com/a?b=c#d")
	require.NoError(t, err)
	for _, row := range []roundTrip{
		rt("*big.Int", serializer.Gob[*big.Int](), n, n, func(a, b *big.Int) bool { return a.Cmp(b) == 0 }),
		rt("big.Int", serializer.Gob[big.Int](), *n, *n, func(a, b big.Int) bool { return a.Cmp(&b) == 0 }),
		rt("*url.URL", serializer.Gob[*url.URL](), u, u, func(a, b *url.URL) bool { return a.String() == b.String() }),
		rt("url.URL", serializer.Gob[url.URL](), *u, *u, func(a, b url.URL) bool { return a.String() == b.String() }),
	} {
		t.Run(row.name, row.run)
	}
}
