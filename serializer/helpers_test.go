package serializer_test

import (
	"math"
	"reflect"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/serializer"
)

// formats are the structured serializers, by name.
var formats = []string{"JSON", "Msgpack", "Gob"}

// pick returns the serializer of V named name.
func pick[V any](name string) cache.Serializer[V] {
	switch name {
	case "JSON":
		return serializer.JSON[V]()
	case "Msgpack":
		return serializer.Msgpack[V]()
	case "Gob":
		return serializer.Gob[V]()
	case "String":
		return any(serializer.String()).(cache.Serializer[V])
	case "Bytes":
		return any(serializer.Bytes()).(cache.Serializer[V])
	}
	panic("unknown format " + name)
}

// sample is a value of every common shape: scalars, a slice, a map, a
// pointer to its own type, a time and bytes.
type sample struct {
	Name    string            `json:"name"`
	Count   int64             `json:"count"`
	Ratio   float64           `json:"ratio"`
	OK      bool              `json:"ok"`
	Tags    []string          `json:"tags"`
	Attrs   map[string]int    `json:"attrs"`
	Next    *sample           `json:"next"`
	Created time.Time         `json:"created"`
	Raw     []byte            `json:"raw"`
	Nested  map[string][]uint `json:"nested"`
}

func newSample() sample {
	return sample{
		Name:    "gopher",
		Count:   -1 << 40,
		Ratio:   0.125,
		OK:      true,
		Tags:    []string{"a", "b", "ünïcode"},
		Attrs:   map[string]int{"x": 1, "y": -2},
		Next:    &sample{Name: "next", Count: 7, Created: time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)},
		Created: time.Date(2024, 11, 27, 16, 35, 1, 123456789, time.FixedZone("CET", 3600)),
		Raw:     []byte{0, 1, 0xfe, 0xff},
		Nested:  map[string][]uint{"k": {1, 2, 3}},
	}
}

// sampleEqual reports whether a and b are equal, comparing times as
// instants (time.Time.Equal), which is what every format keeps, and floats
// by their bits (so NaN equals itself).
func sampleEqual(a, b *sample) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !a.Created.Equal(b.Created) || !sampleEqual(a.Next, b.Next) ||
		math.Float64bits(a.Ratio) != math.Float64bits(b.Ratio) {
		return false
	}
	x, y := *a, *b
	x.Created, y.Created = time.Time{}, time.Time{}
	x.Next, y.Next = nil, nil
	x.Ratio, y.Ratio = 0, 0
	return reflect.DeepEqual(x, y)
}

// small and large are the values of the benchmarks: a few fields, and about
// 4 KiB of strings, numbers and a map.
type small struct {
	ID    int64     `json:"id"`
	Name  string    `json:"name"`
	Score float64   `json:"score"`
	At    time.Time `json:"at"`
}

type large struct {
	ID      int64             `json:"id"`
	Title   string            `json:"title"`
	Body    string            `json:"body"`
	Tags    []string          `json:"tags"`
	Numbers []int64           `json:"numbers"`
	Meta    map[string]string `json:"meta"`
	Items   []small           `json:"items"`
}

// utc returns s with its time in UTC, for comparisons with reflect.DeepEqual.
func (s small) utc() small {
	s.At = s.At.UTC()
	return s
}

// utc returns l with its times in UTC, for comparisons with reflect.DeepEqual.
func (l large) utc() large {
	items := make([]small, len(l.Items))
	for i, it := range l.Items {
		items[i] = it.utc()
	}
	l.Items = items
	return l
}

func newSmall() small {
	return small{ID: 42, Name: "gopher", Score: 99.5, At: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func newLarge() large {
	l := large{ID: 1, Title: "a title of moderate length", Meta: map[string]string{}}
	for i := range 1200 {
		l.Body += string(rune('a' + i%26))
	}
	for i := range 40 {
		l.Tags = append(l.Tags, "tag-"+string(rune('a'+i%26)))
		l.Numbers = append(l.Numbers, int64(i)*1_000_003)
		l.Meta["key-"+string(rune('a'+i%26))+string(rune('a'+i/26))] = "value"
	}
	for range 20 {
		l.Items = append(l.Items, newSmall())
	}
	return l
}
