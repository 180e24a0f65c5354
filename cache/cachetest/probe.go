package cachetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// runProbe checks Cache.Probe, MultiProbe and ProbeTTL, what package
// loader reads every key with: a value with the time it has left (where the store
// tells: Cache.KnowsTTL), an empty value as a hit, a value with no expiry
// as TTL 0, and the entry beside a missing key, in one call for many keys
// (MultiTTLGetter on a store that has it, a call per key otherwise).
func runProbe(t *testing.T, h Harness) {
	s := h.store(t)
	ctx := t.Context()
	c := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "probe", Serializer: RawString{}})
	require.NoError(t, c.Set(ctx, "ttl", "v", cache.TTL(time.Hour)))
	require.NoError(t, c.Set(ctx, "forever", ""))
	require.NoError(t, c.Entry("absent", "-mark").Set(ctx, []byte("marked"), time.Hour))

	keys := []string{c.Key("ttl"), c.Key("forever"), c.Key("absent"), c.Key("unmarked")}
	probe := cache.Probe{TTL: true, Beside: "-mark"}
	got, err := c.MultiProbe(ctx, probe, keys)
	require.NoError(t, err)
	require.Len(t, got, len(keys))
	one := make([]cache.Probed[string], len(keys))
	for i, k := range keys {
		one[i], err = c.Probe(ctx, probe, k)
		require.NoError(t, err)
	}
	for name, got := range map[string][]cache.Probed[string]{"MultiProbe": got, "Probe": one} {
		assert.True(t, got[0].Found, "%s: a value with a TTL", name)
		assert.Equal(t, "v", got[0].Value, name)
		if c.KnowsTTL() {
			assert.Greater(t, got[0].TTL, 50*time.Minute, "%s: the time left of a value written for an hour", name)
			// memcached counts in whole seconds, rounded up.
			assert.LessOrEqual(t, got[0].TTL, time.Hour+2*time.Second, name)
		}
		assert.True(t, got[1].Found, "%s: an empty value is a hit", name)
		assert.Zero(t, got[1].TTL, "%s: a value with no expiry has TTL 0", name)
		assert.False(t, got[2].Found, name)
		assert.Equal(t, []byte("marked"), got[2].Beside, "%s: the entry beside a missing key", name)
		assert.False(t, got[3].Found, name)
		assert.Nil(t, got[3].Beside, "%s: no entry beside", name)
	}

	// ProbeTTL: the value and the time it has left alone, as results.
	v, ttl, found, err := c.ProbeTTL(ctx, c.Key("ttl"))
	require.NoError(t, err)
	assert.True(t, found, "ProbeTTL: a value with a TTL")
	assert.Equal(t, "v", v)
	if c.KnowsTTL() {
		assert.Greater(t, ttl, 50*time.Minute, "ProbeTTL: the time left of a value written for an hour")
		assert.LessOrEqual(t, ttl, time.Hour+2*time.Second)
	}
	v, ttl, found, err = c.ProbeTTL(ctx, c.Key("forever"))
	require.NoError(t, err)
	assert.True(t, found, "ProbeTTL: an empty value is a hit")
	assert.Empty(t, v)
	assert.Zero(t, ttl, "ProbeTTL: a value with no expiry has TTL 0")
	_, _, found, err = c.ProbeTTL(ctx, c.Key("absent"))
	require.NoError(t, err)
	assert.False(t, found, "ProbeTTL: a missing key")
	ints := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "probe"})
	_, _, found, err = ints.ProbeTTL(ctx, ints.Key("ttl"))
	assert.ErrorIs(t, err, cache.ErrDecode, "ProbeTTL: bytes that are no int")
	assert.False(t, found)

	// With Version: the value's version, which a compare-and-swap takes,
	// and the entry beside a missing key.
	vprobe := cache.Probe{Version: true, Beside: "-mark"}
	for _, k := range []string{"ttl", "forever"} {
		got, err := c.Probe(ctx, vprobe, c.Key(k))
		require.NoError(t, err)
		require.True(t, got.Found, k)
		require.NotNil(t, got.Version, "%s: the version of a found value", k)
		_, swapped, err := c.CompareAndSwap(ctx, k, got.Version, "swapped")
		require.NoError(t, err)
		assert.True(t, swapped, "%s: a compare-and-swap on the version probed", k)
	}
	got, err = c.MultiProbe(ctx, vprobe, []string{c.Key("absent"), c.Key("unmarked")})
	require.NoError(t, err)
	assert.False(t, got[0].Found)
	assert.Equal(t, []byte("marked"), got[0].Beside, "with Version: the entry beside a missing key")
	assert.Nil(t, got[1].Beside)
	one[0], err = c.Probe(ctx, vprobe, c.Key("absent"))
	require.NoError(t, err)
	assert.Equal(t, []byte("marked"), one[0].Beside, "with Version, one key: the entry beside a missing key")
}
