package serializer

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"net/netip"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Types that exercise every part of the gob format: interfaces nested in
// interfaces, recursive types, arrays, complex numbers, marshalers.
type (
	gobLeaf struct {
		S string
		B []byte
		C complex128
		F float32
	}
	gobNode struct {
		Val  int
		Next *gobNode
		Any  any
	}
	gobBox struct {
		Any   any
		List  []any
		ByKey map[string]any
		Arr   [3]gobLeaf
		Grid  [][]int8
		Nest  map[gobKey][]map[string]*gobLeaf
		At    time.Time
		Addr  netip.Addr // a BinaryMarshaler
		Prefs map[string]bool
	}
	gobKey struct{ A, B int }
)

func init() {
	gob.Register(gobLeaf{})
	gob.Register(&gobNode{})
	gob.Register(gobBox{})
	gob.Register(map[string]any{})
	gob.Register([]any{})
}

func gobEncode(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, gob.NewEncoder(&buf).Encode(v))
	return buf.Bytes()
}

func TestCheckGobAcceptsWhatTheEncoderWrites(t *testing.T) {
	leaf := gobLeaf{S: "s", B: []byte{1, 2}, C: 1 + 2i, F: 0.5}
	list := &gobNode{Val: 1, Next: &gobNode{Val: 2, Next: &gobNode{Val: 3, Any: leaf}}}
	box := gobBox{
		Any:   gobBox{Any: list, List: []any{1, "two", leaf, []any{3.0, leaf}}},
		List:  []any{leaf, &gobNode{Val: 9}, map[string]any{"k": leaf, "n": nil}, nil, 4},
		ByKey: map[string]any{"a": leaf, "b": gobBox{Arr: [3]gobLeaf{leaf}}},
		Arr:   [3]gobLeaf{leaf, {}, leaf},
		Grid:  [][]int8{{1, -1}, nil, {}},
		Nest:  map[gobKey][]map[string]*gobLeaf{{1, 2}: {{"x": &leaf}, nil}},
		At:    time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600)),
		Addr:  netip.MustParseAddr("::1"),
		Prefs: map[string]bool{"on": true, "off": false},
	}
	var anyBox any = box
	values := map[string]any{
		"int":          42,
		"string":       "text",
		"bytes":        []byte("raw"),
		"complex":      3 - 4i,
		"leaf":         leaf,
		"list":         list,
		"box":          box,
		"box-in-any":   &anyBox,
		"slice-of-any": []any{leaf, box, 1},
		"map":          map[string][]int{"a": {1}},
		"array":        [2]string{"a", "b"},
		"time":         box.At,
		"long-string":  strings.Repeat("x", 300),
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			data := gobEncode(t, v)
			require.NoError(t, checkGob(data))
			// The decoder agrees: the data is one whole value of v's type.
			r := bytes.NewReader(data)
			assert.NoError(t, gob.NewDecoder(r).DecodeValue(reflect.New(reflect.TypeOf(v))))
			assert.Zero(t, r.Len())
		})
	}
}

func TestCheckGobAcceptsManyTypesAndFields(t *testing.T) {
	// More types and fields than the walker keeps on the stack.
	fields := make([]reflect.StructField, 40)
	for i := range fields {
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[int]()}
	}
	wide := reflect.New(reflect.StructOf(fields)).Elem()
	for i := range fields {
		wide.Field(i).SetInt(int64(i + 1))
	}
	many := []any{wide.Interface()}
	for n := range 12 {
		typ := reflect.ArrayOf(n+1, reflect.TypeFor[string]())
		many = append(many, reflect.New(typ).Elem().Interface())
	}
	var v any = many
	for _, x := range many {
		gob.Register(x)
	}
	data := gobEncode(t, &v)
	require.NoError(t, checkGob(data))
	var got any
	require.NoError(t, gob.NewDecoder(bytes.NewReader(data)).Decode(&got))
	assert.Equal(t, v, got)
}

func TestCheckGobRejectsMapCountBeyondInput(t *testing.T) {
	// One message defines map[string]int, the next holds the value:
	// length, type id, singleton delta 0, count 1, key "a", value 1. A
	// count of 2²⁶ in its place would make gob allocate gigabytes.
	data := gobEncode(t, map[string]int{"a": 1})
	value := data[len(data)-8:]
	id := value[1:3] // a two-byte type id, the same in both messages
	require.Equal(t, []byte{0x07, id[0], id[1], 0x00, 0x01, 0x01, 'a', 0x02}, value)
	crafted := append(bytes.Clone(data[:len(data)-8]), 0x0b, id[0], id[1], 0x00, 0xfc, 0x04, 0x00, 0x00, 0x00, 0x01, 'a', 0x02)
	assert.ErrorContains(t, checkGob(crafted), "map entries")

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := gobSerializer[map[string]int]{}.Unmarshal(crafted)
	runtime.ReadMemStats(&after)
	assert.Error(t, err)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))
}

func TestCheckGobRejectsMalformedStreams(t *testing.T) {
	data := gobEncode(t, gobLeaf{S: "s"})
	rows := map[string][]byte{
		"empty":           nil,
		"truncated":       data[:len(data)-1],
		"trailing":        append(bytes.Clone(data), 0x01, 0x00),
		"twice":           append(bytes.Clone(data), data...),
		"huge-message":    {0xfd, 0xd5, 0x30, 0x30},
		"bad-int-prefix":  {0xf0, 0x00},
		"empty-message":   {0x00},
		"unknown-type-id": {0x03, 0xff, 0x82, 0x00},
		"reserved-type":   {0x03, 0x13, 0x00, 0x00},
	}
	for name, b := range rows {
		t.Run(name, func(t *testing.T) { assert.Error(t, checkGob(b)) })
	}
}

func TestCheckGobBoundsNesting(t *testing.T) {
	deep := func(n int) *gobNode {
		var head *gobNode
		for i := range n {
			head = &gobNode{Val: i + 1, Next: head}
		}
		return head
	}
	// A list of n nodes nests n structs, the value itself one more.
	assert.NoError(t, checkGob(gobEncode(t, deep(maxGobDepth-1))))
	assert.ErrorIs(t, checkGob(gobEncode(t, deep(maxGobDepth+1))), errGobDepth)
}

func BenchmarkCheckGob(b *testing.B) {
	data := gobEncode(b, gobLeaf{S: "s", B: []byte{1}, C: 1i})
	b.ReportAllocs()
	for b.Loop() {
		if err := checkGob(data); err != nil {
			b.Fatal(err)
		}
	}
}
