package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// A Cache of words (an int on the memory store) probes them as words: its
// TTL, a value of another type under the key, the entry beside a missing
// key, and no allocation for a hit.
func TestProbeOfWordsReadsThemAsWords(t *testing.T) {
	s := newMemory(t)
	c := cache.Must(cache.New[string, int](s, cache.Options[string, int]{}))
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "n", 42, cache.TTL(time.Hour)))
	require.NoError(t, s.SetValue(ctx, "s", "text", 0))
	require.NoError(t, s.Set(ctx, "absent-miss", []byte("mark"), 0))
	probe := cache.Probe{TTL: true, Beside: "-miss"}

	var p cache.Probed[int]
	require.NoError(t, c.ProbeInto(ctx, probe, "n", &p))
	assert.True(t, p.Found)
	assert.Equal(t, 42, p.Value)
	assert.Greater(t, p.TTL, 59*time.Minute)
	assert.LessOrEqual(t, p.TTL, time.Hour)

	require.NoError(t, c.ProbeInto(ctx, probe, "s", &p))
	assert.False(t, p.Found, "a string is no int")
	assert.ErrorIs(t, p.Err, cache.ErrDecode)

	require.NoError(t, c.ProbeInto(ctx, probe, "absent", &p))
	assert.False(t, p.Found)
	assert.Equal(t, "mark", string(p.Beside))

	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		_ = c.ProbeInto(ctx, probe, "n", &p)
	}), "a probe of a word with its TTL")
}
