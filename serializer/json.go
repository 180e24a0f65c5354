package serializer

import (
	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/codec"
)

var (
	_ cache.Serializer[int] = codec.JSON[int]{}
	_ cache.DecimalReader   = codec.JSON[int]{}
)

// JSON returns the encoding/json serializer of V, the one byte stores use
// when a cache has no Serializer. Marshal is json.Marshal and Unmarshal is
// json.Unmarshal into a new V. See the package documentation for what JSON
// cannot round-trip (time zones, invalid UTF-8, values held in interfaces).
func JSON[V any]() cache.Serializer[V] { return codec.JSON[V]{} }
