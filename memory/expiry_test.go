package memory

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpiredEntryIsNeverVisible(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "k", []byte("v"), 10*time.Millisecond))
	_, ver, _, err := s.GetVersion(ctx, "k")
	require.NoError(t, err)

	clk.Advance(10*time.Millisecond - time.Nanosecond)
	_, found, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.True(t, found, "alive until its ttl has passed")

	clk.Advance(time.Nanosecond)
	_, found, _ = s.Get(ctx, "k")
	assert.False(t, found, "Get")
	_, found, _ = s.GetValue(ctx, "k")
	assert.False(t, found, "GetValue")
	_, _, found, _ = s.GetVersion(ctx, "k")
	assert.False(t, found, "GetVersion")
	vals, _ := s.MultiGet(ctx, []string{"k"})
	assert.Nil(t, vals[0], "MultiGet")
	ok, _ := s.Exists(ctx, "k")
	assert.False(t, ok, "Exists")
	ok, _ = s.Expire(ctx, "k", time.Hour)
	assert.False(t, ok, "Expire does not revive")
	ok, _ = s.Delete(ctx, "k")
	assert.False(t, ok, "Delete")
	ok, _ = s.CompareAndDelete(ctx, "k", []byte("v"))
	assert.False(t, ok, "CompareAndDelete")
	_, ok, _ = s.CompareAndSwap(ctx, "k", ver, []byte("w"), 0)
	assert.False(t, ok, "CompareAndSwap with the version read before expiry")
	ok, _ = s.Add(ctx, "k", []byte("new"), 0)
	assert.True(t, ok, "Add over an expired entry")
}

func TestIncrementOfExpiredKeyStartsOver(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "n", int64(40), time.Second))
	clk.Advance(time.Second)
	n, err := s.Increment(ctx, "n", 2)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	clk.Advance(time.Hour)
	v, found, _ := s.GetValue(ctx, "n")
	assert.True(t, found, "a key created by Increment has no expiry")
	assert.Equal(t, int64(2), v)
}

func TestSubMillisecondTTLIsHonoured(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "k", 1, 1500*time.Microsecond))
	clk.Advance(time.Millisecond)
	ok, _ := s.Exists(ctx, "k")
	assert.True(t, ok)
	clk.Advance(500 * time.Microsecond)
	ok, _ = s.Exists(ctx, "k")
	assert.False(t, ok)
}

func TestWritesReplaceExpiry(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "set", 1, time.Second))
	require.NoError(t, s.SetValue(ctx, "set", 2, 0))
	require.NoError(t, s.SetValue(ctx, "longer", 1, time.Second))
	require.NoError(t, s.Set(ctx, "longer", []byte("2"), time.Minute))
	require.NoError(t, s.SetValue(ctx, "persist", 1, time.Second))
	ok, err := s.Expire(ctx, "persist", 0)
	require.NoError(t, err)
	assert.True(t, ok)
	require.NoError(t, s.SetValue(ctx, "shorten", 1, 0))
	ok, err = s.Expire(ctx, "shorten", time.Millisecond)
	require.NoError(t, err)
	assert.True(t, ok)
	require.NoError(t, s.SetValue(ctx, "neg", 1, -time.Second))
	checkInvariants(t, s)

	clk.Advance(2 * time.Second)
	for key, alive := range map[string]bool{"set": true, "longer": true, "persist": true, "shorten": false, "neg": true} {
		ok, _ := s.Exists(ctx, key)
		assert.Equal(t, alive, ok, key)
	}
	clk.Advance(time.Minute)
	ok, _ = s.Exists(ctx, "longer")
	assert.False(t, ok)
	checkInvariants(t, s)
}

func TestIncrementKeepsExpiry(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "n", []byte("1"), time.Second))
	n, err := s.Increment(ctx, "n", 1)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	clk.Advance(999 * time.Millisecond)
	ok, _ := s.Exists(ctx, "n")
	assert.True(t, ok)
	clk.Advance(time.Millisecond)
	ok, _ = s.Exists(ctx, "n")
	assert.False(t, ok, "Increment did not extend the ttl")
}

func TestReadingAnExpiredEntryRemovesIt(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.SetValue(ctx, "k", 1, time.Second))
	require.Equal(t, 1, s.Len())
	clk.Advance(time.Second)
	_, found, _ := s.GetValue(ctx, "k")
	assert.False(t, found)
	assert.Equal(t, 0, s.Len())
	checkInvariants(t, s)
}

func TestSweepRemovesEveryExpiredEntry(t *testing.T) {
	// One shard and more expired entries than one sweep step removes, so
	// the sweep must come back to the shard.
	s, clk := newTestStore(t, Options{Shards: 1})
	ctx := t.Context()
	n := 3*sweepBudget + 7
	for i := range n {
		require.NoError(t, s.SetValue(ctx, "short"+strconv.Itoa(i), i, time.Duration(i+1)*time.Millisecond))
		require.NoError(t, s.SetValue(ctx, "long"+strconv.Itoa(i), i, time.Hour))
		require.NoError(t, s.SetValue(ctx, "none"+strconv.Itoa(i), i, 0))
	}
	clk.Advance(time.Duration(n) * time.Millisecond)
	s.sweep()
	assert.Equal(t, 2*n, s.Len())
	checkInvariants(t, s)
	clk.Advance(time.Hour)
	s.sweep()
	assert.Equal(t, n, s.Len())
	checkInvariants(t, s)
}

func TestBackgroundSweepRemovesExpiredEntries(t *testing.T) {
	swept := make(chan struct{}, 1)
	clk := &fakeClock{}
	s := newStore(Options{CleanupInterval: time.Millisecond, Clock: clk.Now}, func() {
		select {
		case swept <- struct{}{}:
		default:
		}
	})
	defer s.Close()
	ctx := t.Context()
	for i := range 100 {
		require.NoError(t, s.SetValue(ctx, strconv.Itoa(i), i, time.Duration(1+i%2)*time.Minute))
	}
	clk.Advance(time.Minute)
	// Nothing reads the keys: only the sweep can remove them. Each signal
	// is a finished sweep; the first may have begun before Advance.
	deadline := time.After(10 * time.Second)
	for s.Len() != 50 {
		select {
		case <-swept:
		case <-deadline:
			t.Fatalf("the sweep left %d entries, want 50", s.Len())
		}
	}
	checkInvariants(t, s)
}

func TestCloseStopsTheSweep(t *testing.T) {
	s := New(Options{CleanupInterval: time.Millisecond})
	require.NotNil(t, s.done)
	require.NoError(t, s.Close())
	select {
	case <-s.done:
	default:
		t.Fatal("Close returned before the sweep goroutine ended")
	}
}

func TestNegativeCleanupIntervalStartsNoSweep(t *testing.T) {
	s := New(Options{CleanupInterval: -1})
	assert.Nil(t, s.done)
	require.NoError(t, s.Close())
}

func TestGetTTLTellsTheTimeLeft(t *testing.T) {
	s, clk := newTestStore(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Set(ctx, "k", []byte("v"), 10*time.Second))
	require.NoError(t, s.Set(ctx, "forever", []byte("v"), 0))
	clk.Advance(4 * time.Second)
	val, ttl, found, err := s.GetTTL(ctx, "k")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, []byte("v"), val)
	assert.Equal(t, 6*time.Second, ttl)
	_, ttl, found, err = s.GetTTL(ctx, "forever")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Zero(t, ttl, "no expiry")
	clk.Advance(6 * time.Second)
	_, _, found, err = s.GetTTL(ctx, "k")
	require.NoError(t, err)
	assert.False(t, found, "expired")
}
