package codec_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/internal/codec"
)

type point struct {
	X, Y int
	Tags []string
}

func TestJSONRoundTripsAStruct(t *testing.T) {
	s := codec.JSON[point]{}
	data, err := s.Marshal(point{X: 1, Y: -2, Tags: []string{"a"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"X":1,"Y":-2,"Tags":["a"]}`, string(data))
	got, err := s.Unmarshal(data)
	require.NoError(t, err)
	assert.Equal(t, point{X: 1, Y: -2, Tags: []string{"a"}}, got)
}

func TestJSONWritesIntegersAsDecimalText(t *testing.T) {
	// Increment on byte stores relies on this: a Cache[K, int64] stores
	// numbers the store can add to.
	data, err := codec.JSON[int64]{}.Marshal(-42)
	require.NoError(t, err)
	assert.Equal(t, "-42", string(data))
}

func TestJSONUnmarshalOfGarbageIsAnError(t *testing.T) {
	for _, in := range []string{"", "{", "not json", `{"X":"a"}`, "[1,2]", `{"X":1} {}`} {
		_, err := codec.JSON[point]{}.Unmarshal([]byte(in))
		assert.Error(t, err, "input %q", in)
	}
}
