package cache

// Serializer turns values into bytes and back. Package serializer has
// implementations for JSON, msgpack, gob, strings and bytes.
//
// Unmarshal must return an error, never panic, for bytes it cannot decode;
// the Cache wraps that error in a *DecodeError.
type Serializer[V any] interface {
	Marshal(v V) ([]byte, error)
	Unmarshal(data []byte) (V, error)
}
