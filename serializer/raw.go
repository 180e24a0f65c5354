package serializer

import (
	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/codec"
)

var (
	_ cache.Serializer[string] = codec.String{}
	_ cache.Serializer[[]byte] = codec.Bytes{}
	_ cache.DecimalReader      = codec.String{}
	_ cache.DecimalReader      = codec.Bytes{}
)

// String returns the serializer of strings: the bytes of the string,
// unchanged. It is what byte stores use for a Cache[K, string] with no
// Serializer. Marshal copies the string into a new slice and Unmarshal copies
// the bytes into a new string, so neither shares memory with a store. Every
// byte sequence is a valid string: Unmarshal never fails.
func String() cache.Serializer[string] { return codec.String{} }

// Bytes returns the serializer of byte slices: the bytes, unchanged and not
// copied. It is what byte stores use for a Cache[K, []byte] with no
// Serializer. Marshal returns v itself and Unmarshal returns data itself, so
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
func Bytes() cache.Serializer[[]byte] { return codec.Bytes{} }
