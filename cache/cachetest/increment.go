package cachetest

import (
	"errors"
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

// opaque is a serializer of its own that does not say whether it reads
// decimal text (no cache.DecimalReader), as most users' serializers.
type opaque[V any] struct{ codec.JSON[V] }

func (opaque[V]) ReadsDecimal() {} // not DecimalReader's method: a decoy

// noDecimal is a serializer that says it does not read decimal text.
type noDecimal[V any] struct{ codec.JSON[V] }

func (noDecimal[V]) ReadsDecimal() bool { return false }

func runIncrement(t *testing.T, h Harness) {
	t.Run("RefusedWhereGetCouldNotReadTheNumber", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		for name, c := range map[string]*cache.Cache[string, int64]{
			"opaque":    NewCache[string, int64](t, s, cache.Options[string, int64]{Namespace: "o", Serializer: opaque[int64]{}}),
			"noDecimal": NewCache[string, int64](t, s, cache.Options[string, int64]{Namespace: "n", Serializer: noDecimal[int64]{}}),
		} {
			_, err := c.Increment(ctx, "fresh", 1)
			assert.ErrorIs(t, err, errors.ErrUnsupported, name)
			assert.Contains(t, err.Error(), c.Key("fresh"), "the error names the key (%s)", name)
			AssertMissing(t, c, "fresh")
			require.NoError(t, c.Set(ctx, "set", 7), name)
			_, err = c.Increment(ctx, "set", 1)
			assert.ErrorIs(t, err, errors.ErrUnsupported, name)
			AssertValue(t, c, "set", int64(7))
		}
	})

	t.Run("GetOfTheNewNumberIsRightOrErrDecode", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		check := func(name string, incr func() error, get func() (any, bool, error), want any) {
			t.Helper()
			require.NoError(t, incr(), name)
			got, found, err := get()
			if want == nil {
				assert.ErrorIs(t, err, cache.ErrDecode, "%s: read %v, %v", name, got, found)
				return
			}
			if assert.NoError(t, err, name) && assert.True(t, found, name) {
				assert.Equal(t, want, got, name)
			}
		}
		for _, delta := range []int64{5, -12} {
			text := strconv.FormatInt(delta, 10)
			ns := "d" + text
			i64 := NewCache[string, int64](t, s, cache.Options[string, int64]{Namespace: ns, Serializer: codec.JSON[int64]{}})
			f64 := NewCache[string, float64](t, s, cache.Options[string, float64]{Namespace: ns, Serializer: codec.JSON[float64]{}})
			str := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: ns, Serializer: codec.JSON[string]{}})
			pt := NewCache[string, point](t, s, cache.Options[string, point]{Namespace: ns, Serializer: codec.JSON[point]{}})
			rawS := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: ns, Serializer: RawString{}})
			rawB := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: ns, Serializer: RawBytes{}})
			check("json int64 "+text, func() error { _, err := i64.Increment(ctx, "i", delta); return err },
				func() (any, bool, error) { return i64.Get(ctx, "i") }, delta)
			check("json float64 "+text, func() error { _, err := f64.Increment(ctx, "f", delta); return err },
				func() (any, bool, error) { return f64.Get(ctx, "f") }, float64(delta))
			check("json string "+text, func() error { _, err := str.Increment(ctx, "s", delta); return err },
				func() (any, bool, error) { return str.Get(ctx, "s") }, nil)
			check("json struct "+text, func() error { _, err := pt.Increment(ctx, "p", delta); return err },
				func() (any, bool, error) { return pt.Get(ctx, "p") }, nil)
			check("raw string "+text, func() error { _, err := rawS.Increment(ctx, "rs", delta); return err },
				func() (any, bool, error) { return rawS.Get(ctx, "rs") }, text)
			check("raw bytes "+text, func() error { _, err := rawB.Increment(ctx, "rb", delta); return err },
				func() (any, bool, error) { return rawB.Get(ctx, "rb") }, []byte(text))
		}
	})

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
		// With no serializer, strings and bytes read the number's text,
		// on the memory store (which holds an int64) as on byte stores.
		texts := NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "txt"})
		_, err := texts.Increment(ctx, "n", -8)
		require.NoError(t, err)
		AssertValue(t, texts, "n", "-8")
		blobs := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "txt"})
		AssertValue(t, blobs, "n", []byte("-8"))
		ints := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "int"})
		_, err = ints.Increment(ctx, "n", 7)
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
