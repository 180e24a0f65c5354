package cachetest

import (
	"math"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/codec"
)

// Integers as Redis' INCRBY takes them (string2ll), which every store must
// take, and texts that it refuses, which every store must refuse and leave
// byte for byte: other parsers take some of them (strconv.ParseInt "+5" and
// "007"; memcached's incr " 12", "12 " and "5 x", which it then rewrites
// padded with spaces).
var (
	integerTexts    = []string{"0", "7", "-7", "12", "-12", "1000", "9223372036854775807", "-9223372036854775808"}
	notIntegerTexts = []string{
		"", "-", "+", "-0", "+0", "00", "007", "-07", "+5", " 12", "12 ", " 12 ", "1 2", "\t1", "1\n", "1\r\n",
		"5 x", "12\x00", "--1", "1.5", "1e3", "0x10", "1_000", "abc", "12abc", "１２",
		"9223372036854775808", "-9223372036854775809", "18446744073709551615", "99999999999999999999999",
	}
)

func runIncrement(t *testing.T, h Harness) {
	t.Run("MissingKeyBecomesDelta", func(t *testing.T) {
		c := NewCache[string, int64](t, h.store(t), cache.Options[string, int64]{})
		n, err := c.Increment(t.Context(), "n", 5)
		require.NoError(t, err)
		assert.EqualValues(t, 5, n)
		n, err = c.Increment(t.Context(), "m", -5)
		require.NoError(t, err)
		assert.EqualValues(t, -5, n, "a negative delta on a missing key")
	})

	t.Run("NegativeDeltasGoBelowZero", func(t *testing.T) {
		c := NewCache[string, int64](t, h.store(t), cache.Options[string, int64]{})
		ctx := t.Context()
		require.NoError(t, c.Set(ctx, "n", 3))
		steps := []struct{ delta, want int64 }{{-2, 1}, {-5, -4}, {-1, -5}, {10, 5}, {0, 5}, {-5, 0}, {1 << 40, 1 << 40}}
		for _, s := range steps {
			n, err := c.Increment(ctx, "n", s.delta)
			require.NoError(t, err)
			assert.Equal(t, s.want, n, "after %+d", s.delta)
		}
	})

	t.Run("GetReadsTheNewNumber", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		for name, opts := range map[string]cache.Options[string, int64]{
			"default": {Namespace: "d"},
			"json":    {Namespace: "j", Serializer: codec.JSON[int64]{}},
		} {
			c := NewCache[string, int64](t, s, opts)
			require.NoError(t, c.Set(ctx, "n", 40), name)
			n, err := c.Increment(ctx, "n", 2)
			require.NoError(t, err, name)
			assert.EqualValues(t, 42, n, name)
			AssertValue(t, c, "n", int64(42))
			_, err = c.Increment(ctx, "fresh", -3)
			require.NoError(t, err, name)
			AssertValue(t, c, "fresh", int64(-3))
		}
		ints := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "int"})
		_, err := ints.Increment(ctx, "n", 7)
		require.NoError(t, err)
		AssertValue(t, ints, "n", 7)
	})

	t.Run("AcceptsExactlyWhatRedisAccepts", func(t *testing.T) {
		c := NewCache[string, string](t, h.store(t), cache.Options[string, string]{Serializer: RawString{}})
		ctx := t.Context()
		for _, v := range integerTexts {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			for _, delta := range []int64{1, -1, 0, 1000, -1000} {
				want := n + delta
				if (want > n) != (delta > 0) {
					continue // overflows: see OverflowIsNotInteger...
				}
				require.NoError(t, c.Set(ctx, "n", v))
				got, err := c.Increment(ctx, "n", delta)
				if assert.NoError(t, err, "%q%+d", v, delta) {
					assert.Equal(t, want, got, "%q%+d", v, delta)
				}
				// The bare digits, never padded.
				AssertValue(t, c, "n", strconv.FormatInt(want, 10))
			}
		}
	})

	t.Run("NotIntegerLeavesValueUnchanged", func(t *testing.T) {
		c := NewCache[string, string](t, h.store(t), cache.Options[string, string]{Serializer: RawString{}})
		ctx := t.Context()
		for _, v := range notIntegerTexts {
			require.NoError(t, c.Set(ctx, "n", v))
			for _, delta := range []int64{1, -1, 0} {
				_, err := c.Increment(ctx, "n", delta)
				assert.ErrorIs(t, err, cache.ErrNotInteger, "increment of %q by %+d", v, delta)
				AssertValue(t, c, "n", v)
			}
		}
	})

	t.Run("OverflowIsNotIntegerAndLeavesValueUnchanged", func(t *testing.T) {
		c := NewCache[string, string](t, h.store(t), cache.Options[string, string]{Serializer: RawString{}})
		ctx := t.Context()
		for _, tc := range []struct {
			v     int64
			delta int64
		}{{math.MaxInt64, 1}, {math.MaxInt64 - 5, 6}, {1, math.MaxInt64}, {math.MinInt64, -1}, {-2, math.MinInt64}} {
			v := strconv.FormatInt(tc.v, 10)
			require.NoError(t, c.Set(ctx, "n", v))
			_, err := c.Increment(ctx, "n", tc.delta)
			assert.ErrorIs(t, err, cache.ErrNotInteger, "%s%+d", v, tc.delta)
			AssertValue(t, c, "n", v)
		}
	})

	t.Run("ConcurrentIncrementsAcrossInstancesLoseNothing", func(t *testing.T) {
		stores := h.stores(t, 3)
		var wg sync.WaitGroup
		for i := range 6 {
			c := NewCache[string, int64](t, stores[i%len(stores)], cache.Options[string, int64]{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 20 {
					delta := int64(1)
					if j%4 == 3 {
						delta = -1 // mixes the store's increment and decrement paths
					}
					if _, err := c.Increment(t.Context(), "counter", delta); err != nil {
						t.Errorf("increment: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		c := NewCache[string, int64](t, stores[0], cache.Options[string, int64]{})
		AssertValue(t, c, "counter", int64(6*(15-5)))
	})
}
