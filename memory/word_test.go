package memory

import (
	"errors"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWordsReadBackAsWrittenThroughEveryPath(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	type celsius int16
	for _, v := range []any{int(-7), int32(1 << 30), uint8(200), true, 2.5, float32(-0.25), celsius(-40)} {
		var bits uint64
		switch x := v.(type) {
		case int:
			bits = uint64(x)
		case int32:
			bits = uint64(uint32(x))
		case uint8:
			bits = uint64(x)
		case bool:
			bits = 1
		case float64:
			bits = math.Float64bits(x)
		case float32:
			bits = uint64(math.Float32bits(x))
		case celsius:
			bits = uint64(uint16(x))
		}
		key := "k" + strconv.Itoa(int(bits%1000))
		require.NoError(t, s.SetWord(ctx, key, v, bits, 0))
		got, isWord, found, err := s.GetWord(ctx, key, v)
		require.NoError(t, err)
		assert.True(t, found)
		assert.True(t, isWord, "%T", v)
		assert.Equal(t, bits, got, "%T", v)
		x, found, err := s.GetValue(ctx, key)
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, v, x, "GetValue boxes the word as a %T", v)
	}
	require.NoError(t, s.SetWord(ctx, "n", 0, 42, 0))
	b, found, err := s.Get(ctx, "n")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "42", string(b), "an integer word has its decimal byte form")
	n, err := s.Increment(ctx, "n", 1)
	require.NoError(t, err)
	assert.Equal(t, int64(43), n)
	checkInvariants(t, s)
}

func TestGetWordTellsAValueOfAnotherTypeFromAMiss(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "boxed", 12345, 0))
	bits, isWord, found, err := s.GetWord(ctx, "boxed", 0)
	require.NoError(t, err)
	assert.True(t, found)
	assert.True(t, isWord, "a value of the type written by SetValue reads as a word")
	assert.Equal(t, uint64(12345), bits)

	_, isWord, found, err = s.GetWord(ctx, "boxed", int64(0))
	require.NoError(t, err)
	assert.True(t, found)
	assert.False(t, isWord, "an int is not an int64")

	require.NoError(t, s.SetWord(ctx, "word", int32(0), 7, 0))
	_, isWord, found, err = s.GetWord(ctx, "word", uint32(0))
	require.NoError(t, err)
	assert.True(t, found)
	assert.False(t, isWord, "nor an int32 a uint32")

	_, isWord, found, err = s.GetWord(ctx, "absent", 0)
	require.NoError(t, err)
	assert.False(t, found)
	assert.False(t, isWord)
}

func TestGetWordTTLTellsTheTimeLeftOfWordsAndOfValues(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetWord(ctx, "word", 0, 7, time.Minute))
	require.NoError(t, s.SetValue(ctx, "boxed", 8, time.Hour))
	require.NoError(t, s.SetWord(ctx, "forever", 0, 9, 0))
	clk.Advance(20 * time.Second)
	for _, c := range []struct {
		key  string
		bits uint64
		ttl  time.Duration
	}{{"word", 7, 40 * time.Second}, {"boxed", 8, time.Hour - 20*time.Second}, {"forever", 9, 0}} {
		bits, ttl, isWord, found, err := s.GetWordTTL(ctx, c.key, 0)
		require.NoError(t, err)
		assert.True(t, found && isWord, c.key)
		assert.Equal(t, c.bits, bits, c.key)
		assert.Equal(t, c.ttl, ttl, c.key)
	}
	_, ttl, isWord, found, err := s.GetWordTTL(ctx, "word", int64(0))
	require.NoError(t, err)
	assert.True(t, found)
	assert.False(t, isWord, "an int is not an int64")
	assert.Equal(t, 40*time.Second, ttl, "the time left of a value of another type")

	clk.Advance(time.Minute)
	_, _, _, found, err = s.GetWordTTL(ctx, "word", 0)
	require.NoError(t, err)
	assert.False(t, found, "expired")
	if !raceEnabled {
		assert.Zero(t, testing.AllocsPerRun(1000, func() {
			_, _, _, _, _ = s.GetWordTTL(ctx, "boxed", 0)
			_, _, _, _, _ = s.GetWordTTL(ctx, "forever", 0)
		}), "GetWordTTL")
	}
}

func TestSetWordRefusesTypesWithPointersOrOverEightBytes(t *testing.T) {
	s, _ := newTestStore(t, Options{})
	ctx := t.Context()
	for _, like := range []any{nil, "s", []byte("b"), new(int), struct{ a, b int }{}, complex128(1)} {
		err := s.SetWord(ctx, "k", like, 1, 0)
		assert.ErrorIs(t, err, errors.ErrUnsupported, "%T", like)
	}
	ok, err := s.Exists(ctx, "k")
	require.NoError(t, err)
	assert.False(t, ok, "and writes nothing")
}

func TestAKeyChangesKindKeepingItsPlaceAndItsExpiry(t *testing.T) {
	s, clk := newTestStore(t, Options{MaxEntries: 100, Shards: 1})
	ctx := t.Context()
	for i := range 100 {
		require.NoError(t, s.SetWord(ctx, "k"+strconv.Itoa(i), 0, uint64(i), time.Hour))
	}
	v1, _, _, err := s.GetValueVersion(ctx, "k5")
	require.NoError(t, err)
	require.Equal(t, 5, v1)

	require.NoError(t, s.SetValue(ctx, "k5", "five", time.Hour))
	x, ver2, found, err := s.GetValueVersion(ctx, "k5")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "five", x)
	require.NoError(t, s.SetWord(ctx, "k5", 0, 55, time.Hour))
	x, ver3, found, err := s.GetValueVersion(ctx, "k5")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, 55, x)
	assert.Greater(t, ver3.(uint64), ver2.(uint64), "versions still increase")
	assert.Equal(t, 100, s.Len())
	checkInvariants(t, s)

	clk.Advance(time.Hour)
	ok, err := s.Exists(ctx, "k5")
	require.NoError(t, err)
	assert.False(t, ok, "the entry that took the key's place expires as the key did")
	checkInvariants(t, s)
}

func TestReadersNeverMissAKeyThatChangesKind(t *testing.T) {
	s, _ := newTestStore(t, Options{MaxEntries: 1000})
	ctx := t.Context()
	require.NoError(t, s.SetWord(ctx, "k", 0, 1, 0))
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				x, found, err := s.GetValue(ctx, "k")
				if err != nil || !found {
					t.Errorf("read %v, %v, %v", x, found, err)
					return
				}
				switch v := x.(type) {
				case int:
					if v != 1 {
						t.Errorf("word %d", v)
					}
				case string:
					if v != "one" {
						t.Errorf("string %q", v)
					}
				default:
					t.Errorf("value %v", x)
				}
			}
		}()
	}
	for i := range 2000 {
		if i%2 == 0 {
			require.NoError(t, s.SetValue(ctx, "k", "one", 0))
		} else {
			require.NoError(t, s.SetWord(ctx, "k", 0, 1, 0))
		}
	}
	stop.Store(true)
	wg.Wait()
	checkInvariants(t, s)
}

func TestWordWritesAndReadsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s, _ := newTestStore(t, Options{MaxEntries: 1000})
	ctx := t.Context()
	require.NoError(t, s.SetWord(ctx, "k", 0, 1, 0))
	bits := uint64(1000)
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		bits++
		_ = s.SetWord(ctx, "k", 0, bits, 0)
	}), "SetWord of a present key")
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		_, _, _, _ = s.GetWord(ctx, "k", 0)
	}), "GetWord")
}
