package serializer

import (
	"errors"
	"fmt"
)

// This file reads the type definitions of a gob stream for checkGob. A
// definition is the pair (-id, wireType), the wireType encoded as a gob
// struct of seven pointers of which exactly one is set:
//
//	wireType       {ArrayT, SliceT, StructT, MapT, GobEncoderT, BinaryMarshalerT, TextMarshalerT}
//	arrayType      {CommonType, Elem typeId, Len int}
//	sliceType      {CommonType, Elem typeId}
//	structType     {CommonType, Field []fieldType}
//	fieldType      {Name string, Id typeId}
//	mapType        {CommonType, Key, Elem typeId}
//	gobEncoderType {CommonType}
//	CommonType     {Name string, Id typeId}

var errGobFieldRange = errors.New("serializer: gob: field number out of range")

// gobUintAt decodes an unsigned integer in gob's encoding from the start of
// b: a byte below 0x80 is the value; otherwise the byte is minus the count
// of big-endian bytes that follow.
func gobUintAt(b []byte) (n uint64, width int, err error) {
	if len(b) == 0 {
		return 0, 0, errGobTruncated
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1, nil
	}
	size := -int(int8(b[0]))
	if size > 8 {
		return 0, 0, fmt.Errorf("serializer: gob: invalid integer prefix %#x", b[0])
	}
	if len(b) < 1+size {
		return 0, 0, errGobTruncated
	}
	for _, c := range b[1 : 1+size] {
		n = n<<8 | uint64(c)
	}
	return n, 1 + size, nil
}

// nextField reads the next field delta of a struct of n fields whose last
// field read was field (-1 at the start), and returns the next field's
// number, or -1 at the struct's terminator.
func (w *gobWalker) nextField(field, n int) (int, error) {
	delta, err := w.uint()
	if err != nil {
		return 0, err
	}
	if delta == 0 {
		return -1, nil
	}
	if delta > uint64(n-1-field) {
		return 0, errGobFieldRange
	}
	return field + int(delta), nil
}

// defineType reads the wireType of type id.
func (w *gobWalker) defineType(id int64) error {
	if id < gobFirstUser || w.lookup(id) != nil {
		return fmt.Errorf("serializer: gob: type id %d defined twice or reserved", id)
	}
	t := gobType{id: id}
	set := 0
	for f := -1; ; {
		next, err := w.nextField(f, 7)
		if err != nil {
			return err
		}
		if next < 0 {
			break
		}
		f = next
		set++
		switch f {
		case 0:
			t.kind = 'a'
		case 1:
			t.kind = 's'
		case 2:
			t.kind = 't'
		case 3:
			t.kind = 'm'
		default:
			t.kind = 'g'
		}
		if err := w.typeBody(&t); err != nil {
			return err
		}
	}
	if set != 1 {
		return fmt.Errorf("serializer: gob: type id %d has %d definitions", id, set)
	}
	w.addType(t)
	return nil
}

// typeBody reads an arrayType, sliceType, structType, mapType or
// gobEncoderType, as t.kind says, into t.
func (w *gobWalker) typeBody(t *gobType) error {
	// The fields after CommonType, in order.
	var ints []*int64
	switch t.kind {
	case 'a':
		ints = []*int64{&t.elem, &t.length}
	case 's':
		ints = []*int64{&t.elem}
	case 'm':
		ints = []*int64{&t.key, &t.elem}
	}
	n := 1 + len(ints)
	if t.kind == 't' {
		n = 2
	}
	for f := -1; ; {
		next, err := w.nextField(f, n)
		if err != nil || next < 0 {
			return err
		}
		f = next
		switch {
		case f == 0:
			err = w.commonType()
		case t.kind == 't':
			err = w.structFields(t)
		default:
			*ints[f-1], err = w.int()
		}
		if err != nil {
			return err
		}
	}
}

// commonType reads a CommonType: the name and id, neither needed here.
func (w *gobWalker) commonType() error {
	for f := -1; ; {
		next, err := w.nextField(f, 2)
		if err != nil || next < 0 {
			return err
		}
		f = next
		if f == 0 {
			err = w.bytes()
		} else {
			_, err = w.int()
		}
		if err != nil {
			return err
		}
	}
}

// structFields reads a []fieldType and records each field's type id.
func (w *gobWalker) structFields(t *gobType) error {
	n, err := w.uint()
	if err != nil {
		return err
	}
	if n > uint64(w.end-w.pos) {
		return fmt.Errorf("serializer: gob: %d struct fields announced with %d bytes left", n, w.end-w.pos)
	}
	t.first, t.count = w.nfields, int(n)
	for range n {
		if w.pos == w.end {
			return errGobTruncated
		}
		var id int64
		for f := -1; ; {
			next, err := w.nextField(f, 2)
			if err != nil {
				return err
			}
			if next < 0 {
				break
			}
			f = next
			if f == 0 {
				err = w.bytes()
			} else {
				id, err = w.int()
			}
			if err != nil {
				return err
			}
		}
		w.addField(id)
	}
	return nil
}
