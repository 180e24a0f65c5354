package memcache

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// incr increments key by delta, failing t on an error.
func incr(t testing.TB, s *Store, key string, delta int64) int64 {
	t.Helper()
	n, err := s.Increment(t.Context(), key, delta)
	require.NoError(t, err, "increment %q by %d", key, delta)
	return n
}

func TestIncrementOfMissingKeyStartsAtDelta(t *testing.T) {
	s := newStore(t, Options{})
	for _, delta := range []int64{0, 5, -5} {
		for _, key := range []string{uniq(t, fmt.Sprint(delta)), uniq(t, "ns") + ":" + fmt.Sprint(delta)} {
			assert.Equal(t, delta, incr(t, s, key, delta), key)
			val, _ := mustGet(t, s, key)
			assert.Equal(t, strconv.FormatInt(delta, 10), val)
		}
	}
}

func TestIncrementGoesBelowZero(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte("3"), 0))
	assert.EqualValues(t, -2, incr(t, s, key, -5))
	assert.EqualValues(t, -5, incr(t, s, key, -3))
	assert.EqualValues(t, -4, incr(t, s, key, 1), "incr of a negative value")
	assert.EqualValues(t, 6, incr(t, s, key, 10))
	val, _ := mustGet(t, s, key)
	assert.Equal(t, "6", val)
}

func TestIncrementOfNegativeValueWrittenByAnotherClient(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.Equal(t, "STORED", raw(t, "set "+key+" 0 0 2\r\n-5"))
	assert.EqualValues(t, -3, incr(t, s, key, 2))
}

// TestIncrementRefusesWhatOnlyMemcachedTakes: memcached's incr reads these
// as numbers and rewrites them padded with spaces; Redis refuses them, and
// so does the store, leaving them byte for byte.
func TestIncrementRefusesWhatOnlyMemcachedTakes(t *testing.T) {
	s := newStore(t, Options{})
	for i, v := range []string{" 12", "12 ", "+5", "007", "-0", "5 x", "8  ", "12\t"} {
		key := fmt.Sprintf("%s%d", uniq(t, "k"), i)
		require.Equal(t, "STORED", raw(t, fmt.Sprintf("set %s 0 0 %d\r\n%s", key, len(v), v)))
		assert.NotContains(t, raw(t, "incr "+key+" 0"), "ERROR", "memcached's own incr takes %q", v)
		require.Equal(t, "STORED", raw(t, fmt.Sprintf("set %s 0 0 %d\r\n%s", key, len(v), v)))
		for _, delta := range []int64{1, 0, -1} {
			_, err := s.Increment(t.Context(), key, delta)
			assert.ErrorIs(t, err, cache.ErrNotInteger, "value %q delta %d", v, delta)
			got, _ := rawValue(t, key)
			assert.Equal(t, v, got, "value %q changed by delta %d", v, delta)
		}
	}
}

// TestIncrementNeverPadsWithSpaces: memcached's incr writes a shorter
// number in place, padded with spaces; the store's results are the bare
// digits, going up and down.
func TestIncrementNeverPadsWithSpaces(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.Equal(t, "STORED", raw(t, "set "+key+" 0 0 3\r\n100"))
	for _, step := range []struct {
		delta int64
		want  string
	}{{-91, "9"}, {1, "10"}, {-20, "-10"}, {15, "5"}, {995, "1000"}, {-999, "1"}} {
		incr(t, s, key, step.delta)
		got, _ := rawValue(t, key)
		assert.Equal(t, step.want, got, "after %+d", step.delta)
	}
}

func TestIncrementOfNonIntegerLeavesValueUnchanged(t *testing.T) {
	s := newStore(t, Options{})
	values := []string{"abc", "1.5", "", "12abc", "99999999999999999999", "0x10", "\x00\xff"}
	for i, v := range values {
		for _, delta := range []int64{1, 0, -1} {
			key := fmt.Sprintf("%s%d_%d", uniq(t, "k"), i, delta)
			require.Equal(t, "STORED", raw(t, fmt.Sprintf("set %s 0 0 %d\r\n%s", key, len(v), v)))
			_, err := s.Increment(t.Context(), key, delta)
			assert.ErrorIs(t, err, cache.ErrNotInteger, "value %q delta %d", v, delta)
			got, _ := rawValue(t, key)
			assert.Equal(t, v, got, "value %q changed by delta %d", v, delta)
		}
	}
}

func TestIncrementOverflowIsAnErrorAndLeavesValue(t *testing.T) {
	s := newStore(t, Options{})
	cases := []struct {
		value string
		delta int64
	}{
		{strconv.FormatInt(math.MaxInt64, 10), 1},
		{strconv.FormatInt(math.MaxInt64-5, 10), math.MaxInt64},
		{strconv.FormatInt(math.MinInt64, 10), -1},
		{strconv.FormatUint(math.MaxUint64, 10), 2},   // incr would wrap to 1
		{strconv.FormatUint(math.MaxInt64+10, 10), 0}, // above int64 already
		{strconv.FormatUint(math.MaxInt64+10, 10), 1},
	}
	for i, c := range cases {
		key := fmt.Sprintf("%s%d", uniq(t, "k"), i)
		require.Equal(t, "STORED", raw(t, fmt.Sprintf("set %s 0 0 %d\r\n%s", key, len(c.value), c.value)))
		_, err := s.Increment(t.Context(), key, c.delta)
		assert.ErrorIs(t, err, cache.ErrNotInteger, "%s %+d", c.value, c.delta)
		got, _ := rawValue(t, key)
		assert.Equal(t, c.value, strings.TrimSpace(got), "%s %+d changed the value", c.value, c.delta)
	}
}

func TestIncrementKeepsExpiry(t *testing.T) {
	s := newStore(t, Options{})
	for _, delta := range []int64{1, -1} {
		key := uniq(t, fmt.Sprint(delta))
		require.NoError(t, s.Set(t.Context(), key, []byte("10"), 100*time.Second))
		_, flags := rawTTL(t, key)
		require.NotEqual(t, "0", flags, "Set records no deadline")
		incr(t, s, key, delta)
		left, after := rawTTL(t, key)
		assert.Equal(t, flags, after, "delta %d changed the recorded deadline", delta)
		assert.True(t, left >= 99 && left <= 105, "delta %d: %d seconds left, want about 100", delta, left)
	}
}

func TestIncrementOfKeyWithoutExpiryKeepsNone(t *testing.T) {
	s := newStore(t, Options{})
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte("10"), 0))
	incr(t, s, key, -1)
	left, flags := rawTTL(t, key)
	assert.Equal(t, -1, left)
	assert.Equal(t, "0", flags)
}

// TestIncrementKeepsTheExpiryOfAForeignEntry writes entries with another
// client's commands, with an expiry and flags of their own (0 and 42,
// which record no deadline), and increments them in every way Increment
// rewrites a value (incr, a cas of a shorter number, of one below zero):
// each keeps its expiry and its flags, and expires.
func TestIncrementKeepsTheExpiryOfAForeignEntry(t *testing.T) {
	s := newStore(t, Options{})
	cases := []struct {
		flags       string
		value       string
		delta, want int64
	}{
		{"0", "10", -1, 9},    // shorter: a cas (decr would pad it: "9 ")
		{"0", "42", 1, 43},    // incr
		{"0", "2", -5, -3},    // below zero: a cas
		{"42", "-7", 3, -4},   // a negative value: a cas
		{"42", "99", -50, 49}, // a cas
	}
	written := time.Now()
	var keys []string
	for _, c := range cases {
		key := uniq(t, c.flags+c.value)
		keys = append(keys, key)
		require.Equal(t, "STORED", raw(t, fmt.Sprintf("set %s %s 3 %d\r\n%s", key, c.flags, len(c.value), c.value)))
		assert.Equal(t, c.want, incr(t, s, key, c.delta), "%s%+d", c.value, c.delta)
		left, flags := rawTTL(t, key)
		assert.True(t, left >= 1 && left <= 4, "%s%+d: %d seconds left, want at most 3 (-1: never expires)", c.value, c.delta, left)
		assert.Equal(t, c.flags, flags, "%s%+d changed the entry's flags", c.value, c.delta)
	}
	// Gone by its expiry (3s), two ticks of memcached's clock and 3s of
	// slack for a loaded machine, where an entry that lost its expiry
	// stays for good.
	deadline := written.Add(3*time.Second + 2*time.Second + 3*time.Second)
	for _, key := range keys {
		for {
			if _, ok := rawValue(t, key); !ok {
				break
			}
			require.True(t, time.Now().Before(deadline), "%s is still there %v after it should have expired", key, time.Since(deadline))
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestSelectorOfFindsTheClientsServers checks that the store finds the
// server selector of a gomemcache client, on which Increment's meta get
// (and so the expiry of foreign entries) depends: a gomemcache that moves
// it fails here, not in production.
func TestSelectorOfFindsTheClientsServers(t *testing.T) {
	addrs := []string{"127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"}
	client := gm.New(addrs...)
	sel := selectorOf(client)
	require.NotNil(t, sel, "the client's selector was not found")
	var ref gm.ServerList
	require.NoError(t, ref.SetServers(addrs...))
	for i := range 100 {
		key := "key-" + strconv.Itoa(i)
		got, err := sel.PickServer(key)
		require.NoError(t, err)
		want, err := ref.PickServer(key)
		require.NoError(t, err)
		assert.Equal(t, want.String(), got.String(), key)
	}
	custom := &gm.ServerList{}
	require.NoError(t, custom.SetServers(addrs[0]))
	assert.Same(t, custom, selectorOf(gm.NewFromSelector(custom)))
}

func TestConcurrentIncrementsAllCount(t *testing.T) {
	s := newStore(t, Options{})
	for _, key := range []string{uniq(t, "plain"), uniq(t, "ns") + ":k"} {
		var wg sync.WaitGroup
		const workers, each = 8, 25
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					delta := int64(1)
					if (w+i)%2 == 0 {
						delta = -2
					}
					if _, err := s.Increment(t.Context(), key, delta); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		// Half the increments add 1, half subtract 2.
		want := int64(workers * each / 2 * (1 - 2))
		assert.Equal(t, want, incr(t, s, key, 0), key)
	}
}
