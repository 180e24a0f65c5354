package serializer

import "github.com/cachekit/cachekit/cache"

var (
	_ cache.Serializer[string] = stringSerializer{}
	_ cache.Serializer[[]byte] = bytesSerializer{}
)

// String returns the serializer of strings: the bytes of the string,
// unchanged. Marshal copies the string into a new slice and Unmarshal copies
// the bytes into a new string, so neither shares memory with a store. Every
// byte sequence is a valid string: Unmarshal never fails.
func String() cache.Serializer[string] { return stringSerializer{} }

type stringSerializer struct{}

func (stringSerializer) Marshal(v string) ([]byte, error)      { return []byte(v), nil }
func (stringSerializer) Unmarshal(data []byte) (string, error) { return string(data), nil }

// Bytes returns the serializer of byte slices: the bytes, unchanged and not
// copied. Marshal returns v itself and Unmarshal returns data itself, so
// nothing is allocated on the way to and from a store.
//
// Sharing relies on how stores treat bytes: a store that keeps a slice
// beyond a write keeps a copy of it, and the slice a store returns from a
// read belongs to the caller. What Unmarshal returns is therefore the
// caller's to keep and to modify, while a slice passed to a write must not
// be modified until the write returns.
//
// nil and an empty slice are the same value to Bytes: a store may return
// either for an empty value, so compare lengths, not nil-ness.
func Bytes() cache.Serializer[[]byte] { return bytesSerializer{} }

type bytesSerializer struct{}

func (bytesSerializer) Marshal(v []byte) ([]byte, error)      { return v, nil }
func (bytesSerializer) Unmarshal(data []byte) ([]byte, error) { return data, nil }
