package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/memory"
	"github.com/cachekit/cachekit/serializer"
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

// ProbeInto fills every field of out, whatever it held before: on each
// kind of values (held, words, encoded), a probe into a Probed left over
// from another key equals a probe into a new one, for a value with a TTL,
// a value without, a value of another type and a missing key.
func TestProbeIntoOverwritesWhatOutHeld(t *testing.T) {
	ctx := context.Background()
	probe := cache.Probe{TTL: true, Beside: "-miss"}
	check := func(t *testing.T, s *memory.Store, probeInto func(string, *cache.Probed[int]) error, probe func(string) (cache.Probed[int], error)) {
		t.Helper()
		require.NoError(t, s.Set(ctx, "absent-miss", []byte("mark"), 0))
		require.NoError(t, s.SetValue(ctx, "text", "text", 0))
		keys := []string{"ttl", "forever", "text", "absent", "other-absent"}
		for _, before := range keys {
			for _, k := range keys {
				var dirty cache.Probed[int]
				require.NoError(t, probeInto(before, &dirty))
				dirty.Version = cache.Version("left over") // what a probe of versions leaves
				require.NoError(t, probeInto(k, &dirty))
				want, err := probe(k)
				require.NoError(t, err)
				want.TTL, dirty.TTL = want.TTL.Round(time.Hour), dirty.TTL.Round(time.Hour)
				assert.Equal(t, want, dirty, "%s after %s", k, before)
			}
		}
	}
	for name, newCache := range map[string]func(s *memory.Store) *cache.Cache[string, int]{
		"words": func(s *memory.Store) *cache.Cache[string, int] {
			return cache.Must(cache.New(s, cache.Options[string, int]{}))
		},
		"held": func(s *memory.Store) *cache.Cache[string, int] {
			return cache.Must(cache.New(valueStoreOnly{s}, cache.Options[string, int]{}))
		},
		"encoded": func(s *memory.Store) *cache.Cache[string, int] {
			return cache.Must(cache.New(s, cache.Options[string, int]{Serializer: serializer.JSON[int]()}))
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := newMemory(t)
			c := newCache(s)
			require.NoError(t, c.Set(ctx, "ttl", 1, cache.TTL(time.Hour)))
			require.NoError(t, c.Set(ctx, "forever", 2))
			check(t, s, func(k string, out *cache.Probed[int]) error { return c.ProbeInto(ctx, probe, k, out) },
				func(k string) (cache.Probed[int], error) { return c.Probe(ctx, probe, k) })
		})
	}
}

// valueStoreOnly is a store of values that tells their TTLs and holds no
// words: a Cache of ints over it holds them as values (held), not as
// words.
type valueStoreOnly struct{ valueTTLStore }

type valueTTLStore interface {
	cache.ValueStore
	cache.ValueTTLGetter
}
