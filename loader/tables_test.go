package loader

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/memory"
)

// TestTablesHoldNothingOnceIdle loads keys that cannot be found in a map
// keyed by themselves (NaN is not equal to itself) through shared reads,
// loads and refreshes, and checks that every table is empty once they are
// done.
func TestTablesHoldNothingOnceIdle(t *testing.T) {
	s := memory.New(memory.Options{})
	t.Cleanup(func() { _ = s.Close() })
	c := cache.Must(cache.New(cachetest.RequiredOnly(s), cache.Options[float64, string]{}))
	l, err := New(c, func(_ context.Context, f float64) (string, error) {
		if math.IsNaN(f) {
			return "", ErrNotFound
		}
		return "v", nil
	}, Options[float64, string]{MissTTL: 0})
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := l.Get(t.Context(), math.NaN())
			assert.ErrorIs(t, err, ErrNotFound)
			_, err = l.Get(t.Context(), float64(i%7))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	_, err = l.MultiGet(t.Context(), math.NaN(), math.NaN(), 1)
	require.NoError(t, err)
	assert.Zero(t, l.reads.len(), "shared reads")
	assert.Zero(t, l.loads.len(), "loads")
	assert.Zero(t, l.local.len(), "local loads")
	assert.Zero(t, l.refreshes.len(), "refreshes")
}
