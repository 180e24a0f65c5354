package serializer

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"reflect"

	"github.com/cachekit/cachekit/cache"
)

var _ cache.Serializer[int] = gobSerializer[int]{}

// Gob returns the encoding/gob serializer of V.
//
// Each Marshal writes a self-contained gob stream, type description
// included, with an encoder of its own: a value can be decoded on its own,
// by any process, whatever was encoded before it. The price is size and
// speed, as a gob stream repeats its type description in every value.
//
// Gob flattens pointers, so a top-level nil pointer, which gob cannot
// encode, is written as zero bytes (never a valid gob stream) and read back
// as nil. When V is an interface type the dynamic type is sent too, and its
// concrete types must be registered with gob.Register. See the package
// documentation for the rest.
//
// Unmarshal accepts exactly one gob stream holding one value, walks it to
// check its counts against the input before decoding (see the package
// documentation), and turns a panic of the decoder into an error.
//
// It is no cache.DecimalReader, so a cache with it refuses Increment.
func Gob[V any]() cache.Serializer[V] { return gobSerializer[V]{} }

type gobSerializer[V any] struct{}

// Marshal encodes v as a self-contained gob stream.
func (gobSerializer[V]) Marshal(v V) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("serializer: gob: encoder panicked: %v", r)
		}
	}()
	switch nilPointerDepth(v) {
	case -1:
	case 0:
		return []byte{}, nil
	default:
		// gob writes a stream that it cannot read back.
		return nil, errors.New("serializer: gob: cannot encode a nil pointer reached through a pointer")
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(gobTarget(&v)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Unmarshal decodes data, one gob stream holding one value, into a new V.
func (gobSerializer[V]) Unmarshal(data []byte) (v V, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero V
			v, err = zero, fmt.Errorf("serializer: gob: decoder panicked: %v", r)
		}
	}()
	if len(data) == 0 && isPointer[V]() {
		return v, nil // a nil pointer, see Marshal
	}
	if err := checkGob(data); err != nil {
		return v, err
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&v); err != nil {
		var zero V
		return zero, err
	}
	return v, nil
}

// gobTarget returns what Marshal hands the encoder for the value at p: p
// itself, unless V is a pointer, and then *p. For an interface V, &v sends
// the dynamic type, so that the value decodes back into a V; for a value
// type whose pointer has the GobEncode method (big.Int, url.URL), &v is
// addressable where v is not. For a pointer V, &v would be a pointer to a
// pointer, which gob cannot encode when the type's GobEncode has a pointer
// receiver (*big.Int, *url.URL): v is the same bytes otherwise, gob
// flattening pointers.
func gobTarget[V any](p *V) any {
	if isPointer[V]() {
		return *p
	}
	return p
}

// isPointer reports whether V is a pointer type.
func isPointer[V any]() bool {
	return reflect.TypeFor[V]().Kind() == reflect.Pointer
}

// nilPointerDepth returns how many pointers of v lead to a nil pointer: 0
// when v itself is nil (on which gob.Encode panics), -1 when v is not a
// pointer or the chain of pointers ends in a value.
func nilPointerDepth[V any](v V) int {
	if !isPointer[V]() {
		return -1
	}
	p := reflect.ValueOf(&v).Elem()
	for depth := 0; p.Kind() == reflect.Pointer; depth++ {
		if p.IsNil() {
			return depth
		}
		p = p.Elem()
	}
	return -1
}
