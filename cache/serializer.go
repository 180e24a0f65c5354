package cache

import "github.com/cachekit/cachekit/internal/codec"

// Serializer turns values into bytes and back. Package serializer has
// implementations for JSON, msgpack, gob, strings and bytes.
//
// Unmarshal must return an error, never panic, for bytes it cannot decode;
// the Cache wraps that error in a *DecodeError.
type Serializer[V any] interface {
	Marshal(v V) ([]byte, error)
	Unmarshal(data []byte) (V, error)
}

// DecimalReader is an optional interface of a Serializer: it tells whether
// Unmarshal reads the text that Increment leaves in a store, the decimal
// form of an int64 ("42", "-7"), as that number, or else fails. Only then
// can a value written by Increment be read back with Get without the risk
// of a wrong number.
//
// A Cache whose serializer is not a DecimalReader, or reports false, has
// no Increment: it fails with an error matching errors.ErrUnsupported and
// leaves the store untouched. Msgpack would read the text "5" as the
// number 53 (the byte '5' is msgpack's encoding of 53), so it is not one;
// JSON (which reads "42" as 42, or fails for a V that is no number),
// String and Bytes (the text itself) are. A Cache with no Serializer on a
// store that holds values as they are (a ValueStore) increments the Go
// integer itself and always has Increment.
type DecimalReader interface {
	// ReadsDecimal reports whether Unmarshal of the decimal form of an
	// int64 gives that number (or its text, for a string or []byte V) or
	// an error, never another value.
	ReadsDecimal() bool
}

// readsDecimal reports whether Get can read back what Increment writes
// through ser.
func readsDecimal[V any](ser Serializer[V]) bool {
	d, ok := ser.(DecimalReader)
	return ok && d.ReadsDecimal()
}

// defaultSerializer is the serializer of a Cache with none on a byte store:
// a []byte or a string as its bytes, unchanged, which is what other
// clients of the backend write and read for them, and JSON for every other
// type (named []byte and string types included).
func defaultSerializer[V any]() Serializer[V] {
	var zero V
	switch any(zero).(type) {
	case []byte:
		return any(codec.Bytes{}).(Serializer[V])
	case string:
		return any(codec.String{}).(Serializer[V])
	}
	return codec.JSON[V]{}
}
