// Package codec holds the serializer implementations that both package cache
// (for its default) and package serializer need.
package codec

import "encoding/json"

// JSON is the encoding/json serializer, the default of byte stores.
type JSON[V any] struct{}

// Marshal encodes v as JSON.
func (JSON[V]) Marshal(v V) ([]byte, error) { return json.Marshal(v) }

// Unmarshal decodes JSON data into a new V.
func (JSON[V]) Unmarshal(data []byte) (V, error) {
	var v V
	err := json.Unmarshal(data, &v)
	return v, err
}

// ReadsDecimal reports true: encoding/json reads the decimal text of an
// integer as that number, or fails for a V that holds no number (see
// cache.DecimalReader).
func (JSON[V]) ReadsDecimal() bool { return true }
