package serializer

import (
	"errors"
	"fmt"
)

// maxGobDepth is the deepest nesting of composite values that Gob decodes,
// as for Msgpack.
const maxGobDepth = 10000

var (
	errGobTruncated = errors.New("serializer: gob: unexpected end of data")
	errGobDepth     = fmt.Errorf("serializer: gob: nesting deeper than %d", maxGobDepth)
)

// checkGob walks a gob stream the way encoding/gob's decoder reads it, and
// reports whether it is one value whose every count is backed by the bytes
// that follow it, nested at most maxGobDepth deep.
//
// encoding/gob allocates a map with the announced number of entries before
// reading any (a 25-byte input can ask for gigabytes), reads messages and
// slices in chunks of up to 10 MB whatever the input holds, and recurses
// once per nesting level of a recursive type. After this walk, every map,
// slice, string and message the decoder allocates holds no more elements
// than the input has bytes, and the recursion is bounded.
//
// The walk needs no Go types: a self-contained stream describes its own
// types before it uses them. It is strict where gob's encoder is (one value,
// no bytes left over, a terminator after every struct) and otherwise
// follows the decoder, which stays the judge of everything else.
func checkGob(data []byte) error {
	w := gobWalker{data: data}
	id, err := w.typeSequence(false)
	if err != nil {
		return err
	}
	if err := w.value(id); err != nil {
		return err
	}
	if w.pos != len(data) {
		return fmt.Errorf("serializer: gob: %d bytes after the value", len(data)-w.pos)
	}
	return nil
}

// Type ids that gob predefines.
const (
	gobBool      = 1
	gobInt       = 2
	gobUint      = 3
	gobFloat     = 4
	gobBytes     = 5
	gobString    = 6
	gobComplex   = 7
	gobInterface = 8
	gobFirstUser = 64 // ids below are gob's own
)

// gobType is the shape of a type defined in the stream.
type gobType struct {
	id     int64
	kind   byte  // 'a' array, 's' slice, 't' struct, 'm' map, 'g' encoded by a marshaler
	key    int64 // map
	elem   int64 // array, slice, map
	length int64 // array
	first  int   // struct: its field types are fields[first : first+count]
	count  int
}

// gobWalker reads a gob stream. The first few types and struct fields live
// in arrays inside the walker, which stays on the stack, so a stream of a
// few simple types costs no allocation; more spill to the heap.
type gobWalker struct {
	data  []byte
	pos   int // the next byte to read
	end   int // the end of the current message
	depth int

	types      [8]gobType
	moreTypes  map[int64]*gobType // a map: streams may define many types
	ntypes     int
	fields     [32]int64 // the field types of every struct type, see gobType
	moreFields []int64
	nfields    int
}

// message loads the message that starts at pos: a byte count, then that
// many bytes.
func (w *gobWalker) message() error {
	n, width, err := gobUintAt(w.data[w.pos:])
	if err != nil {
		return err
	}
	w.pos += width
	if rest := uint64(len(w.data) - w.pos); n > rest {
		return fmt.Errorf("serializer: gob: message of %d bytes at offset %d with %d bytes left",
			n, w.pos-width, rest)
	}
	if n == 0 {
		return errors.New("serializer: gob: empty message")
	}
	w.end = w.pos + int(n)
	return nil
}

// uint reads an unsigned integer from the current message.
func (w *gobWalker) uint() (uint64, error) {
	n, width, err := gobUintAt(w.data[w.pos:w.end])
	w.pos += width
	return n, err
}

// int reads a signed integer from the current message.
func (w *gobWalker) int() (int64, error) {
	u, err := w.uint()
	if u&1 != 0 {
		return ^int64(u >> 1), err
	}
	return int64(u >> 1), err
}

// bytes skips a count and that many bytes of the current message.
func (w *gobWalker) bytes() error {
	n, err := w.uint()
	if err != nil {
		return err
	}
	if n > uint64(w.end-w.pos) {
		return fmt.Errorf("serializer: gob: %d bytes announced at offset %d with %d bytes left",
			n, w.pos, w.end-w.pos)
	}
	w.pos += int(n)
	return nil
}

// typeSequence reads type definitions up to the id of a value, loading
// messages as it goes, as the decoder's decodeTypeSequence does.
func (w *gobWalker) typeSequence(inInterface bool) (int64, error) {
	for {
		if w.pos == w.end {
			if err := w.message(); err != nil {
				return 0, err
			}
		}
		id, err := w.int()
		if err != nil {
			return 0, err
		}
		if id >= 0 {
			return id, nil
		}
		if err := w.defineType(-id); err != nil {
			return 0, err
		}
		if w.pos < w.end {
			if !inInterface {
				return 0, errors.New("serializer: gob: data after a type definition")
			}
			if _, err := w.uint(); err != nil {
				return 0, err
			}
		}
	}
}

// lookup returns the type defined with id, or nil.
func (w *gobWalker) lookup(id int64) *gobType {
	for i := range min(w.ntypes, len(w.types)) {
		if w.types[i].id == id {
			return &w.types[i]
		}
	}
	if t, ok := w.moreTypes[id]; ok {
		return t
	}
	return nil
}

// addType records a type definition.
func (w *gobWalker) addType(t gobType) {
	if w.ntypes < len(w.types) {
		w.types[w.ntypes] = t
	} else {
		if w.moreTypes == nil {
			w.moreTypes = make(map[int64]*gobType)
		}
		spilled := new(gobType)
		*spilled = t
		w.moreTypes[t.id] = spilled
	}
	w.ntypes++
}

// field returns the type id of struct field i (in the numbering of
// gobType.first).
func (w *gobWalker) field(i int) int64 {
	if i < len(w.fields) {
		return w.fields[i]
	}
	return w.moreFields[i-len(w.fields)]
}

// addField records the type id of the next struct field.
func (w *gobWalker) addField(id int64) {
	if w.nfields < len(w.fields) {
		w.fields[w.nfields] = id
	} else {
		w.moreFields = append(w.moreFields, id)
	}
	w.nfields++
}

// value reads a value as the decoder reads a top-level value or the
// content of an interface: a struct as such, anything else as a singleton,
// a zero field delta before the value.
func (w *gobWalker) value(id int64) error {
	if t := w.lookup(id); t != nil && t.kind == 't' {
		return w.elem(id)
	}
	delta, err := w.uint()
	if err != nil {
		return err
	}
	if delta != 0 {
		return errors.New("serializer: gob: non-zero delta for a singleton")
	}
	return w.elem(id)
}

// elem reads one value of type id.
func (w *gobWalker) elem(id int64) error {
	if w.pos == w.end {
		return errGobTruncated
	}
	switch id {
	case gobBool, gobInt, gobUint, gobFloat:
		_, err := w.uint()
		return err
	case gobComplex:
		if _, err := w.uint(); err != nil {
			return err
		}
		_, err := w.uint()
		return err
	case gobBytes, gobString:
		return w.bytes()
	}
	if w.depth == maxGobDepth {
		return errGobDepth
	}
	w.depth++
	err := w.composite(id)
	w.depth--
	return err
}

// composite reads one value of an interface or of a type defined in the
// stream.
func (w *gobWalker) composite(id int64) error {
	if id == gobInterface {
		return w.iface()
	}
	t := w.lookup(id)
	if t == nil {
		return fmt.Errorf("serializer: gob: unknown type id %d", id)
	}
	switch t.kind {
	case 'g':
		return w.bytes()
	case 't':
		return w.structValue(t)
	}
	n, err := w.uint()
	if err != nil {
		return err
	}
	// Every element takes at least one byte, so a count beyond the rest of
	// the input is a lie. (Elements may span messages, through the type
	// definitions of interface values, hence the whole rest.)
	rest := uint64(len(w.data) - w.pos)
	switch t.kind {
	case 'a', 's':
		if t.kind == 'a' && n != uint64(t.length) {
			return fmt.Errorf("serializer: gob: array of %d elements has %d", t.length, n)
		}
		if n > rest {
			return fmt.Errorf("serializer: gob: %d elements announced with %d bytes left", n, rest)
		}
		for range n {
			if err := w.elem(t.elem); err != nil {
				return err
			}
		}
	case 'm':
		if n > rest/2 {
			return fmt.Errorf("serializer: gob: %d map entries announced with %d bytes left", n, rest)
		}
		for range n {
			if err := w.elem(t.key); err != nil {
				return err
			}
			if err := w.elem(t.elem); err != nil {
				return err
			}
		}
	}
	return nil
}

// structValue reads the fields of a struct: field-number deltas and values,
// up to a zero delta.
func (w *gobWalker) structValue(t *gobType) error {
	field := -1
	for {
		next, err := w.nextField(field, t.count)
		if err != nil || next < 0 {
			return err
		}
		field = next
		if err := w.elem(w.field(t.first + field)); err != nil {
			return err
		}
	}
}

// iface reads an interface value: the registered name of the concrete type
// (empty for nil), type definitions, the type id, a byte count and the
// value.
func (w *gobWalker) iface() error {
	n, err := w.uint()
	if err != nil {
		return err
	}
	if n > uint64(w.end-w.pos) {
		return errGobTruncated
	}
	if n == 0 {
		return nil
	}
	w.pos += int(n)
	id, err := w.typeSequence(true)
	if err != nil {
		return err
	}
	if _, err := w.uint(); err != nil { // the byte count, unused by the decoder
		return err
	}
	return w.value(id)
}
