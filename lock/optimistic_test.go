package lock_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
	"github.com/cachekit/cachekit/memory"
)

func newIntCache(t *testing.T) *cache.Cache[string, int] {
	return cache.Must(cache.New(newMemory(t, memory.Options{}), cache.Options[string, int]{}))
}

func TestCASConflictsAfterAnotherWriteAndWritesNothing(t *testing.T) {
	ctx := t.Context()
	c := newIntCache(t)
	require.NoError(t, c.Set(ctx, "k", 1))
	o, err := lock.NewOptimistic(ctx, c, "k")
	require.NoError(t, err)
	require.NoError(t, c.Set(ctx, "k", 2))
	err = o.CAS(ctx, 3)
	require.ErrorIs(t, err, lock.ErrConflict)
	assert.Contains(t, err.Error(), `"k"`, "the error names the key")
	v, _, err := c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, 2, v)
	old, found := o.Value()
	assert.Equal(t, 1, old, "a failed CAS keeps what the lock read")
	assert.True(t, found)
}

func TestUpdateRetriesUntilItWins(t *testing.T) {
	ctx := t.Context()
	c := newIntCache(t)
	require.NoError(t, c.Set(ctx, "k", 10))
	calls := 0
	v, err := lock.Update(ctx, c, "k", 5, func(old int, found bool) (int, error) {
		calls++
		if calls < 3 { // another writer gets in between, twice
			require.NoError(t, c.Set(ctx, "k", old+100))
		}
		return old + 1, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 211, v, "the third attempt read 210")
	got, _, err := c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, 211, got)
}

func TestUpdateGivesUpAfterAttempts(t *testing.T) {
	ctx := t.Context()
	c := newIntCache(t)
	require.NoError(t, c.Set(ctx, "k", 0))
	calls := 0
	_, err := lock.Update(ctx, c, "k", 3, func(old int, _ bool) (int, error) {
		calls++
		require.NoError(t, c.Set(ctx, "k", old+1))
		return -1, nil
	})
	assert.ErrorIs(t, err, lock.ErrConflict)
	assert.Equal(t, 3, calls)
	got, _, err := c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, 3, got, "no conflicting write went through")
}

func TestUpdateOfAMissingKeyDoesNotOverwriteANewValue(t *testing.T) {
	ctx := t.Context()
	c := newIntCache(t)
	var seen []bool
	v, err := lock.Update(ctx, c, "k", 2, func(old int, found bool) (int, error) {
		seen = append(seen, found)
		if !found {
			require.NoError(t, c.Set(ctx, "k", 41)) // written while fn runs
		}
		return old + 1, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []bool{false, true}, seen)
	assert.Equal(t, 42, v)
}

func TestUpdateReturnsFnErrorAndWritesNothing(t *testing.T) {
	ctx := t.Context()
	c := newIntCache(t)
	errFn := errors.New("fn failed")
	_, err := lock.Update(ctx, c, "k", 3, func(int, bool) (int, error) { return 1, errFn })
	assert.ErrorIs(t, err, errFn)
	found, err := c.Exists(ctx, "k")
	require.NoError(t, err)
	assert.False(t, found)
}

func TestUpdateWithNoAttemptsTriesOnce(t *testing.T) {
	c := newIntCache(t)
	v, err := lock.Update(t.Context(), c, "k", 0, func(old int, _ bool) (int, error) { return old + 1, nil })
	require.NoError(t, err)
	assert.Equal(t, 1, v)
}

func TestUpdateAppliesWriteOptions(t *testing.T) {
	ctx := t.Context()
	clock := newFakeClock()
	c := cache.Must(cache.New(newMemory(t, memory.Options{Clock: clock.Now}), cache.Options[string, int]{}))
	for range 2 { // once through Add, once through CAS
		_, err := lock.Update(ctx, c, "k", 1, func(old int, _ bool) (int, error) { return old + 1, nil }, cache.TTL(time.Minute))
		require.NoError(t, err)
	}
	clock.Advance(2 * time.Minute)
	found, err := c.Exists(ctx, "k")
	require.NoError(t, err)
	assert.False(t, found, "the TTL applies")
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	ctx := t.Context()
	c := newIntCache(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				_, err := lock.Update(ctx, c, "n", 1000, func(old int, _ bool) (int, error) { return old + 1, nil })
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	v, _, err := c.Get(ctx, "n")
	require.NoError(t, err)
	assert.Equal(t, 200, v)
}

// versionless is a byte store that reports no version: CAS must refuse to
// turn that into an unconditional write.
type versionless struct{ cache.Store }

func (s versionless) GetVersion(ctx context.Context, key string) ([]byte, cache.Version, bool, error) {
	b, _, found, err := s.Store.GetVersion(ctx, key)
	return b, nil, found, err
}

func TestCASRefusesAMissingVersion(t *testing.T) {
	ctx := t.Context()
	c := cache.Must(cache.New(versionless{newMemory(t, memory.Options{})}, cache.Options[string, int]{}))
	require.NoError(t, c.Set(ctx, "k", 1))
	o, err := lock.NewOptimistic(ctx, c, "k")
	require.NoError(t, err)
	require.NoError(t, c.Set(ctx, "k", 2))
	assert.Error(t, o.CAS(ctx, 3))
	v, _, err := c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, 2, v)
}

func TestNewOptimisticReportsReadErrors(t *testing.T) {
	s := newMemory(t, memory.Options{})
	c := cache.Must(cache.New(s, cache.Options[string, int]{}))
	require.NoError(t, s.Close())
	_, err := lock.NewOptimistic(t.Context(), c, "k")
	assert.ErrorIs(t, err, cache.ErrClosed)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c2 := newIntCache(t)
	_, err = lock.NewOptimistic(ctx, c2, "k")
	assert.ErrorIs(t, err, context.Canceled)
}
