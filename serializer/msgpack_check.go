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
// The decoder of github.com/vmihailenco/msgpack/v5 allocates a slice or map
// of the announced length before reading its elements, so without this
// check a five-byte input announcing 2³² elements would allocate gigabytes.
// After it, every length the decoder reads at a place where this walk
// found a value is bounded by the input.
//
// That is not enough on its own: the decoder does not always read the
// input as this walk does. Asked for a map, it skips an extension's header
// and reads the extension's payload as the map (DecodeMapLen), so a map
// header hidden in an extension's payload is read with a length that no
// walk of the value checked. So the walk also marks in g (when g is not
// nil) every payload byte, which the decoder only ever reads as data, and
// the guarded reader that the decoder reads from refuses to hand one out
// as the start of a value (see readGuard). The exceptions are payloads of
// one byte that the decoder reads one byte at a time as data: the byte of
// uint8 and int8, and the byte of a one-byte extension unless it starts a
// value with a length of its own (a one-byte payload read as a value can
// then only be a value whose size its first byte tells, or a header whose
// elements follow the extension, where this walk checked them).
//
// The walk is iterative, allocation-free for nesting up to 32 levels (and,
// with a readGuard that has room, for any input), and reads each byte at
// most once.
func checkMsgpack(data []byte, g *readGuard) error {
	if g != nil {
		g.reset(len(data))
	}
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
			typed int    // 1 for an extension's type byte, else 0
			fixed uint64 // payload bytes of a code without a length field
			n     uint64 // entries of a container, or payload bytes
			kind  byte   // 's' str/bin, 'x' ext, 'n' number, 'a' array, 'm' map, 0 scalar
		)
		switch {
		case c <= 0x7f || c >= 0xe0: // positive and negative fixint
		case c <= 0x8f: // fixmap
			kind, n = 'm', uint64(c&0x0f)
		case c <= 0x9f: // fixarray
			kind, n = 'a', uint64(c&0x0f)
		case c <= 0xbf: // fixstr
			kind, fixed = 's', uint64(c&0x1f)
		default:
			switch c {
			case 0xc0, 0xc2, 0xc3: // nil, false, true
			case 0xc4, 0xd9: // bin8, str8
				kind, size = 's', 1
			case 0xc5, 0xda: // bin16, str16
				kind, size = 's', 2
			case 0xc6, 0xdb: // bin32, str32
				kind, size = 's', 4
			case 0xc7: // ext8: length, type, data
				kind, size, typed = 'x', 1, 1
			case 0xc8: // ext16
				kind, size, typed = 'x', 2, 1
			case 0xc9: // ext32
				kind, size, typed = 'x', 4, 1
			case 0xcc, 0xd0: // uint8, int8
				kind, fixed = 'n', 1
			case 0xcd, 0xd1: // uint16, int16
				kind, fixed = 'n', 2
			case 0xca, 0xce, 0xd2: // float32, uint32, int32
				kind, fixed = 'n', 4
			case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
				kind, fixed = 'n', 8
			case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16: type, data
				kind, typed, fixed = 'x', 1, uint64(1)<<(c-0xd4)
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
		switch kind {
		case 0:
			continue
		case 's', 'x', 'n':
			payload := n + fixed
			if uint64(typed)+payload > uint64(len(data)-i) {
				return errMsgpackTruncated
			}
			i += typed
			if g != nil && !readByByte(kind, data[i:i+int(payload)]) {
				g.mark(i, i+int(payload))
			}
			i += int(payload)
			continue
		}
		items := n
		if kind == 'm' {
			items = 2 * n
		}
		if rest := uint64(len(data) - i); items > rest {
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

// readByByte reports whether the payload of a value of kind may be read by
// the decoder one byte at a time, as it reads codes (see checkMsgpack):
// the one byte of a uint8 or int8, and the one byte of an extension unless
// that byte would start a value with a length field of its own.
func readByByte(kind byte, payload []byte) bool {
	switch {
	case len(payload) == 0:
		return true
	case len(payload) != 1:
		return false
	case kind == 'n':
		return true
	case kind == 'x':
		return !hasLengthField(payload[0])
	}
	return false
}

// hasLengthField reports whether the msgpack code c is followed by a length
// field: bin, str, ext, array and map of 8, 16 or 32 bits.
func hasLengthField(c byte) bool {
	return (c >= 0xc4 && c <= 0xc9) || (c >= 0xd9 && c <= 0xdf)
}
