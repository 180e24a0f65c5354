package cache_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/serializer"
)

type profile struct {
	Name string
	Tags []string
}

// TestMemoryValuesAreSharedUnlessASerializerCopiesThem: with no serializer
// the memory store hands out the value it was given (Options.Serializer
// says so); with one, every Get decodes a copy, as on Redis or memcached.
func TestMemoryValuesAreSharedUnlessASerializerCopiesThem(t *testing.T) {
	s := newMemory(t)
	ctx := t.Context()
	shared := cache.Must(cache.New(s, cache.Options[string, *profile]{Namespace: "shared"}))
	copied := cache.Must(cache.New(s, cache.Options[string, *profile]{Namespace: "copied", Serializer: serializer.Msgpack[*profile]()}))
	for name, c := range map[string]*cache.Cache[string, *profile]{"shared": shared, "copied": copied} {
		p := &profile{Name: "ada", Tags: []string{"a"}}
		require.NoError(t, c.Set(ctx, "p", p), name)
		p.Name = "changed after Set"
		got, _, err := c.Get(ctx, "p")
		require.NoError(t, err, name)
		got.Tags[0] = "changed after Get"
		again, _, err := c.Get(ctx, "p")
		require.NoError(t, err, name)
		if name == "shared" {
			assert.Same(t, p, again, "without a serializer, Get returns the pointer Set was given")
			assert.Equal(t, "changed after Get", again.Tags[0])
		} else {
			assert.Equal(t, profile{Name: "ada", Tags: []string{"a"}}, *again, "with a serializer, the cached value is a copy")
		}
	}
}
