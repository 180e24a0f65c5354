package memory

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

func TestIncrementKeepsTheRepresentation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stored any
		delta  int64
		want   int64
		after  any
	}{
		{"bytes", []byte("10"), 5, 15, []byte("15")},
		{"negative bytes", []byte("-3"), -4, -7, []byte("-7")},
		{"string", "10", -15, -5, "-5"},
		{"int", 1, 1, 2, 2},
		{"int8", int8(-100), -28, -128, int8(-128)},
		{"int16", int16(5), -10, -5, int16(-5)},
		{"int32", int32(math.MaxInt32 - 1), 1, math.MaxInt32, int32(math.MaxInt32)},
		{"int64", int64(7), 0, 7, int64(7)},
		{"uint", uint(3), -3, 0, uint(0)},
		{"uint8", uint8(254), 1, 255, uint8(255)},
		{"uint16", uint16(1), 1, 2, uint16(2)},
		{"uint32", uint32(1), 1, 2, uint32(2)},
		{"uint64", uint64(1), math.MaxInt64 - 1, math.MaxInt64, uint64(math.MaxInt64)},
		{"uintptr", uintptr(9), 1, 10, uintptr(10)},
		{"named int", myInt(3), 4, 7, myInt(7)},
		{"named uint", myUint(3), 4, 7, myUint(7)},
		{"named string", myStr("3"), 4, 7, myStr("7")},
		{"named bytes", myBytes("3"), 4, 7, myBytes("7")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestStore(t, Options{})
			ctx := t.Context()
			require.NoError(t, s.SetValue(ctx, "n", tc.stored, 0))
			got, err := s.Increment(ctx, "n", tc.delta)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			v, _, _ := s.GetValue(ctx, "n")
			assert.Equal(t, tc.after, v)
		})
	}
}

func TestIncrementOfNonIntegerIsErrNotIntegerAndChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stored any
		delta  int64
	}{
		{"text bytes", []byte("abc"), 1},
		{"empty bytes", []byte{}, 1},
		{"spaced bytes", []byte(" 1"), 1},
		{"float text", "1.5", 1},
		{"float", 1.0, 1},
		{"bool", true, 1},
		{"struct", struct{}{}, 1},
		{"nil", nil, 1},
		{"int8 overflow", int8(127), 1},
		{"uint8 overflow", uint8(255), 1},
		{"uint below zero", uint(0), -1},
		{"int64 overflow", int64(math.MaxInt64), 1},
		{"int64 underflow", int64(math.MinInt64), -1},
		{"bytes overflow", []byte("9223372036854775807"), 1},
		{"bytes beyond int64", []byte("9223372036854775808"), 0},
		{"uint64 beyond int64", uint64(math.MaxUint64), 0},
		{"uint64 wraps", uint64(math.MaxUint64), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestStore(t, Options{})
			ctx := t.Context()
			require.NoError(t, s.SetValue(ctx, "n", tc.stored, 0))
			_, ver, _, _ := s.GetValueVersion(ctx, "n")
			_, err := s.Increment(ctx, "n", tc.delta)
			assert.ErrorIs(t, err, cache.ErrNotInteger)
			assert.Contains(t, err.Error(), `"n"`, "the error names the key")
			v, ver2, _, _ := s.GetValueVersion(ctx, "n")
			assert.Equal(t, tc.stored, v)
			assert.Equal(t, ver, ver2, "no write happened")
		})
	}
}

func TestIncrementOfMissingKeyStoresInt64(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	n, err := s.Increment(ctx, "n", -3)
	require.NoError(t, err)
	assert.EqualValues(t, -3, n)
	v, _, _ := s.GetValue(ctx, "n")
	assert.Equal(t, int64(-3), v)
	b, _, err := s.Get(ctx, "n")
	require.NoError(t, err)
	assert.Equal(t, "-3", string(b), "the byte path reads decimal text")
}

func TestAddUintHandlesEveryDelta(t *testing.T) {
	for _, tc := range []struct {
		u     uint64
		delta int64
		want  uint64
		ok    bool
	}{
		{0, math.MinInt64, 0, false},
		{1 << 63, math.MinInt64, 0, true},
		{math.MaxUint64, math.MinInt64, 1<<63 - 1, true},
		{math.MaxUint64, 1, 0, false},
		{5, -5, 0, true},
	} {
		got, ok := addUint(tc.u, tc.delta)
		assert.Equal(t, tc.ok, ok, "%d%+d", tc.u, tc.delta)
		if tc.ok {
			assert.Equal(t, tc.want, got, "%d%+d", tc.u, tc.delta)
		}
	}
}

func TestConcurrentIncrementsAreNotLost(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "bytes", []byte("0"), time.Hour))
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, _ = s.Increment(ctx, "int", 1)
				_, _ = s.Increment(ctx, "bytes", 2)
			}
		}()
	}
	wg.Wait()
	v, _, _ := s.GetValue(ctx, "int")
	assert.Equal(t, int64(workers*each), v)
	b, _, _ := s.Get(ctx, "bytes")
	assert.Equal(t, "8000", string(b))
}
