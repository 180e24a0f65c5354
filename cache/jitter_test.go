package cache_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
)

// ttlStore records the TTL of every write.
type ttlStore struct {
	cache.Store
	ttls []time.Duration
}

func (s *ttlStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.ttls = append(s.ttls, ttl)
	return s.Store.Set(ctx, key, val, ttl)
}

func (s *ttlStore) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	s.ttls = append(s.ttls, ttl)
	return s.Store.Add(ctx, key, val, ttl)
}

func TestJitterOutsideItsRangeIsRefused(t *testing.T) {
	for _, j := range []float64{-0.1, 1, 2, math.NaN(), math.Inf(1)} {
		_, err := cache.New(newMemory(t), cache.Options[string, int]{Jitter: j})
		assert.ErrorIs(t, err, cache.ErrInvalidTTL, "Jitter %v", j)
	}
}

func TestJitterSpreadsTTLsOverItsRange(t *testing.T) {
	st := &ttlStore{Store: cachetest.RequiredOnly(newMemory(t))}
	c := cache.Must(cache.New(st, cache.Options[int, int]{TTL: time.Minute, Jitter: 0.2}))
	ctx := t.Context()
	for i := range 1000 {
		require.NoError(t, c.Set(ctx, i, i))
	}
	require.NoError(t, c.Add(ctx, -1, 0, cache.TTL(0)))
	require.NoError(t, c.MultiSet(ctx, map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9}))
	lo, hi := 48*time.Second, 72*time.Second
	seen := map[time.Duration]bool{}
	var below, above int
	for i, ttl := range st.ttls[:1000] {
		require.GreaterOrEqual(t, ttl, lo, "write %d", i)
		require.LessOrEqual(t, ttl, hi, "write %d", i)
		seen[ttl] = true
		if ttl < 54*time.Second {
			below++
		}
		if ttl > 66*time.Second {
			above++
		}
	}
	assert.Greater(t, len(seen), 900, "distinct TTLs over 1000 writes")
	// Each quarter of the range holds a quarter of 1000 writes: fewer than
	// 150 in either outer quarter would be far from uniform.
	assert.Greater(t, below, 150)
	assert.Greater(t, above, 150)
	assert.Equal(t, time.Duration(0), st.ttls[1000], "a write without expiry stays without")
	multi := map[time.Duration]bool{}
	for _, ttl := range st.ttls[1001:] {
		assert.True(t, ttl >= lo && ttl <= hi, "MultiSet TTL %v", ttl)
		multi[ttl] = true
	}
	assert.Greater(t, len(multi), 1, "a MultiSet spreads its items too")
}
