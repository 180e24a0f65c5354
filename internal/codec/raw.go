package codec

// Bytes is the serializer of byte slices: the bytes, unchanged and not
// copied. It is the default of byte stores for a Cache[K, []byte], and
// serializer.Bytes returns it.
//
// Marshal returns v itself and Unmarshal returns data itself: a store that
// keeps a slice beyond a write keeps a copy of it, and the slice a store
// returns from a read belongs to the caller.
type Bytes struct{}

// Marshal returns v.
func (Bytes) Marshal(v []byte) ([]byte, error) { return v, nil }

// Unmarshal returns data.
func (Bytes) Unmarshal(data []byte) ([]byte, error) { return data, nil }

// String is the serializer of strings: the bytes of the string, unchanged.
// It is the default of byte stores for a Cache[K, string], and
// serializer.String returns it. Every byte sequence is a valid string:
// Unmarshal never fails.
type String struct{}

// Marshal returns a copy of the bytes of v.
func (String) Marshal(v string) ([]byte, error) { return []byte(v), nil }

// Unmarshal returns data as a new string.
func (String) Unmarshal(data []byte) (string, error) { return string(data), nil }

// ReadsDecimal reports true: the decimal text of an integer comes back as
// those bytes (see cache.DecimalReader).
func (Bytes) ReadsDecimal() bool { return true }

// ReadsDecimal reports true: the decimal text of an integer comes back as
// that text (see cache.DecimalReader).
func (String) ReadsDecimal() bool { return true }
