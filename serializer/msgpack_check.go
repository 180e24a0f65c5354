package serializer

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// maxMsgpackDepth is the deepest nesting of arrays and maps that Msgpack
// decodes, the same limit as encoding/json's. It keeps a crafted input from
// exhausting the stack of the (recursive) decoder.
const maxMsgpackDepth = 10000

var errMsgpackTruncated = errors.New("serializer: msgpack: unexpected end of data")

// checkMsgpack reports whether data is exactly one well-formed msgpack value
// whose every length prefix fits in the bytes that follow it: a string, bin
// or ext of n bytes needs n more bytes, and an array of n elements (a map of
// n pairs) needs at least n (2n) more bytes, one per element at the least.
// It also bounds the nesting depth.
//
// The decoder of github.com/vmihailenco/msgpack/v5 allocates a slice of the
// announced length before reading its elements, so without this check a
// five-byte input announcing 2³² elements would allocate gigabytes. After it,
// every allocation is bounded by len(data) times the element size.
//
// The walk is iterative, allocation-free for nesting up to 32 levels, and
// reads each byte at most once.
func checkMsgpack(data []byte) error {
	var stackBuf [32]uint64
	stack := stackBuf[:0] // values left in each enclosing container
	left := uint64(1)     // values left in the innermost container
	i := 0
	for {
		for left == 0 {
			if len(stack) == 0 {
				if i != len(data) {
					return fmt.Errorf("serializer: msgpack: %d bytes after the value", len(data)-i)
				}
				return nil
			}
			left = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
		left--

		if i >= len(data) {
			return errMsgpackTruncated
		}
		c := data[i]
		i++
		var (
			size  int    // bytes of the length field after the code
			extra uint64 // fixed payload bytes after the length field
			items uint64 // child values of a container
			n     uint64 // payload bytes (for str/bin/ext) or entries
			kind  byte   // 'p' payload, 'a' array, 'm' map, 0 scalar
		)
		switch {
		case c <= 0x7f || c >= 0xe0: // positive and negative fixint
		case c <= 0x8f: // fixmap
			kind, n = 'm', uint64(c&0x0f)
		case c <= 0x9f: // fixarray
			kind, n = 'a', uint64(c&0x0f)
		case c <= 0xbf: // fixstr
			kind, n = 'p', uint64(c&0x1f)
		default:
			switch c {
			case 0xc0, 0xc2, 0xc3: // nil, false, true
			case 0xc4, 0xd9: // bin8, str8
				kind, size = 'p', 1
			case 0xc5, 0xda: // bin16, str16
				kind, size = 'p', 2
			case 0xc6, 0xdb: // bin32, str32
				kind, size = 'p', 4
			case 0xc7: // ext8: length, type, data
				kind, size, extra = 'p', 1, 1
			case 0xc8: // ext16
				kind, size, extra = 'p', 2, 1
			case 0xc9: // ext32
				kind, size, extra = 'p', 4, 1
			case 0xcc, 0xd0: // uint8, int8
				kind, extra = 'p', 1
			case 0xcd, 0xd1: // uint16, int16
				kind, extra = 'p', 2
			case 0xca, 0xce, 0xd2: // float32, uint32, int32
				kind, extra = 'p', 4
			case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
				kind, extra = 'p', 8
			case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16: type, data
				kind, extra = 'p', 1+uint64(1)<<(c-0xd4)
			case 0xdc: // array16
				kind, size = 'a', 2
			case 0xdd: // array32
				kind, size = 'a', 4
			case 0xde: // map16
				kind, size = 'm', 2
			case 0xdf: // map32
				kind, size = 'm', 4
			default: // 0xc1 is never used
				return fmt.Errorf("serializer: msgpack: invalid code %#x at offset %d", c, i-1)
			}
		}
		if size > 0 {
			if len(data)-i < size {
				return errMsgpackTruncated
			}
			switch size {
			case 1:
				n = uint64(data[i])
			case 2:
				n = uint64(binary.BigEndian.Uint16(data[i:]))
			case 4:
				n = uint64(binary.BigEndian.Uint32(data[i:]))
			}
			i += size
		}
		rest := uint64(len(data) - i)
		switch kind {
		case 'p':
			if n+extra > rest {
				return errMsgpackTruncated
			}
			i += int(n + extra)
			continue
		case 'a':
			items = n
		case 'm':
			items = 2 * n
		default:
			continue
		}
		if items > rest {
			return fmt.Errorf("serializer: msgpack: container of %d values at offset %d with %d bytes left",
				items, i-size-1, rest)
		}
		if items == 0 {
			continue
		}
		if len(stack) >= maxMsgpackDepth {
			return fmt.Errorf("serializer: msgpack: nesting deeper than %d", maxMsgpackDepth)
		}
		stack = append(stack, left)
		left = items
	}
}
