package serializer

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckMsgpackAcceptsEveryEncoding(t *testing.T) {
	const big = 70000 // beyond 16-bit lengths: str32, bin32, array32, map32
	bigMap := make(map[int]bool, big)
	for i := range big {
		bigMap[i] = true
	}
	values := map[string]any{
		"nil":        nil,
		"bools":      []bool{true, false},
		"fixints":    []int{0, 127, -1, -32},
		"ints":       []int64{128, 300, 70000, 1 << 40, -33, -300, -70000, math.MinInt64},
		"uints":      []uint64{255, 65535, 1 << 32, math.MaxUint64},
		"floats":     []any{float32(1.5), 2.25},
		"fixstr":     "short",
		"str8":       strings.Repeat("x", 200),
		"str16":      strings.Repeat("x", 1000),
		"str32":      strings.Repeat("x", big),
		"bin8":       make([]byte, 10),
		"bin16":      make([]byte, 1000),
		"bin32":      make([]byte, big),
		"array16":    make([]int, 20),
		"array32":    make([]int, big),
		"map16":      map[string]int{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10, "k": 11, "l": 12, "m": 13, "n": 14, "o": 15, "p": 16},
		"map32":      bigMap,
		"time-ext4":  time.Unix(1, 0),
		"time-ext8":  time.Unix(1, 5),
		"time-ext12": time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		"nested":     map[string][]map[string]any{"a": {{"b": []any{1, "c", nil}}}},
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			data, err := msgpackSerializer[any]{}.Marshal(v)
			require.NoError(t, err)
			assert.NoError(t, checkMsgpack(data, nil))
			// Every proper prefix is truncated.
			for _, n := range []int{0, len(data) / 2, len(data) - 1} {
				assert.Error(t, checkMsgpack(data[:n], nil), "first %d bytes", n)
			}
		})
	}
}
