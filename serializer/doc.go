// Package serializer holds the serializers of a cache: the codecs that turn
// a cache's values into the bytes a store keeps and back.
//
//   - [JSON] uses encoding/json. It is the default of byte stores.
//   - [Msgpack] uses github.com/vmihailenco/msgpack/v5: compact, fast, and
//     faithful to Go values (byte slices, nil versus empty, invalid UTF-8).
//   - [Gob] uses encoding/gob, Go's own binary format.
//   - [String] and [Bytes] store a string or a byte slice as it is.
//
// With no Serializer, a cache on a byte store (Redis, memcached) uses
// [Bytes] for a []byte V, [String] for a string V and [JSON] for the rest.
//
// # Increment
//
// Cache.Increment leaves the decimal text of a number in the store ("42").
// JSON, String and Bytes read it back as that number (or its text, or fail
// for a V that cannot hold it): they implement [cache.DecimalReader].
// Msgpack and Gob do not: msgpack reads the text "5" as the number 53, so a
// cache with either refuses Increment (errors.ErrUnsupported) rather than
// leave a number that Get would misread. Keep counters in a cache of their
// own, with no serializer or JSON.
//
// Every serializer is safe for concurrent use, and its Unmarshal returns an
// error, never panics, for bytes it cannot decode; a Cache reports that error
// as a [cache.DecodeError].
//
// # What each format cannot carry
//
// All three structured formats round-trip structs (their exported fields),
// maps, slices, arrays, pointers (as the values they point to), and
// time.Time as the same instant (Equal, not ==: the monotonic clock reading
// is dropped everywhere). Beyond that:
//
// JSON (encoding/json):
//   - time.Time becomes RFC 3339 text and comes back with the same UTC
//     offset but not the original zone (its name and rules).
//   - []byte becomes base64 text; strings with invalid UTF-8 come back with
//     U+FFFD in place of the bad bytes.
//   - NaN and ±Inf floats, channels, functions and complex numbers cannot be
//     encoded (Marshal returns an error). Cycles are an error too.
//   - Values held in interfaces (V = any, or fields of type any) come back as
//     map[string]any, []any, float64, string, bool or nil.
//   - Map keys must be strings, integers or encoding.TextMarshalers.
//   - Nesting deeper than 10000 levels cannot be decoded.
//
// Msgpack:
//   - Struct fields are named by their `msgpack` tag, else by their `json`
//     tag, else by the field name; so `json:"-"` and `json:",omitempty"`
//     work as they do with JSON, and a struct keeps the field names it has in
//     JSON.
//   - time.Time comes back in the local time zone (the instant is kept to the
//     nanosecond, the location is not); the zero time comes back as UTC.
//   - Values held in interfaces come back as msgpack's generic types
//     (int8…int64, uint8…uint64, map[string]any, []any, ...).
//   - Channels and functions cannot be encoded. Cyclic values are not
//     detected: do not marshal them.
//   - Nesting deeper than 10000 levels cannot be decoded.
//
// Gob (encoding/gob):
//   - Pointers are flattened: a struct field that is a nil pointer comes back
//     nil, but a pointer to a zero value is not sent either and also comes
//     back nil. A top-level nil pointer is encoded as zero bytes and comes
//     back nil; a pointer to a nil pointer cannot be encoded.
//   - Empty slices come back nil; nil maps at the top level come back empty.
//   - time.Time keeps its UTC offset but not the original zone.
//   - Structs need at least one exported field; channels and functions
//     cannot be encoded; concrete types held in interfaces must be registered
//     with gob.Register. Cyclic values are not detected: do not marshal them.
//   - Every value carries its own type description (each Marshal is a
//     self-contained gob stream), so gob values are larger than msgpack's,
//     and decoding one sets up a decoder for its types each time: Gob is the
//     slowest of the three.
//   - Nesting deeper than 10000 levels (a linked list of 10000 nodes, say)
//     cannot be decoded.
//
// # Decoding untrusted bytes
//
// Stored bytes can be corrupt or written by another program. Unmarshal of any
// input returns a value or an error, and a panic inside a decoder becomes an
// error. What a decoder allocates is bounded by the size of the input (times
// the size of the element type being decoded), and its recursion by the
// nesting limit:
//
//   - Msgpack and Gob walk the input before decoding it and check every
//     length prefix and count against the bytes that follow. Their decoders
//     allocate what a prefix announces before reading the elements (a map of
//     2³² entries, a 10 MB chunk of a message), so a few crafted bytes could
//     otherwise cost gigabytes. The walk is a single pass with no
//     allocation for ordinary inputs.
//   - Msgpack's decoder does not always read an input as the walk does: a
//     value it expects to be a map may be an extension, whose payload it
//     then reads as the map. So the walk also notes which bytes are payload,
//     and the decoder reads from a reader that refuses to start a value at
//     one: such an input is an error before anything is allocated for it,
//     whatever the nesting (a map in an extension in an array of maps...).
//     Extensions read as what they are (times, registered types) decode as
//     before.
//   - encoding/json allocates as it reads and limits nesting itself.
//
// The payload of a msgpack extension type that the program registers with
// msgpack.RegisterExt is handed to that type's decoder, bounded only by its
// length.
package serializer
