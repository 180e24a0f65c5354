package memcache

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMultiGetReturnsValuesInInputOrder(t *testing.T) {
	a, b := newStore(t, Options{}), newStore(t, Options{})
	ctx := t.Context()
	ns1, ns2, fresh := uniq(t, "one"), uniq(t, "two"), uniq(t, "fresh")
	present := []string{uniq(t, "plain"), ns1 + ":x", ns2 + ":y", uniq(t, "odd key"), ns1 + ":z"}
	for _, key := range present {
		require.NoError(t, a.Set(ctx, key, []byte("v "+key), 0))
	}
	keys := []string{
		present[0], ns1 + ":missing", present[1], uniq(t, "missing"), present[2],
		present[3], fresh + ":k", present[4], present[1], "",
	}
	// a has both generations cached, b has none: both take the same answer.
	for name, s := range map[string]*Store{"warm": a, "cold": b} {
		vals, err := s.MultiGet(ctx, keys)
		require.NoError(t, err, name)
		require.Len(t, vals, len(keys), name)
		for i, key := range keys {
			if val, found := mustGet(t, a, key); found {
				assert.Equal(t, val, string(vals[i]), "%s: key %d %q", name, i, key)
			} else {
				assert.Nil(t, vals[i], "%s: key %d %q", name, i, key)
			}
		}
		assert.Equal(t, "v "+present[1], string(vals[8]), "%s: a repeated key", name)
	}
}

func TestMultiGetSeesGenerationChangedByAnotherStore(t *testing.T) {
	a, b := newStore(t, Options{}), newStore(t, Options{})
	ctx := t.Context()
	ns := uniq(t, "ns")
	require.NoError(t, in(a, ns).MultiSet(ctx, []string{ns + ":a", ns + ":b"}, [][]byte{[]byte("1"), []byte("2")}, 0))
	vals, err := in(a, ns).MultiGet(ctx, []string{ns + ":a", ns + ":b"}) // caches the generation
	require.NoError(t, err)
	require.Equal(t, "1", string(vals[0]))
	require.NoError(t, b.Clear(ctx, ns))
	require.NoError(t, in(b, ns).Set(ctx, ns+":b", []byte("new"), 0))
	vals, err = in(a, ns).MultiGet(ctx, []string{ns + ":a", ns + ":b"})
	require.NoError(t, err)
	assert.Nil(t, vals[0], "an entry of a cleared generation")
	assert.Equal(t, "new", string(vals[1]))
}

func TestMultiGetOfNoKeys(t *testing.T) {
	s := newStore(t, Options{})
	vals, err := s.MultiGet(t.Context(), nil)
	require.NoError(t, err)
	assert.Empty(t, vals)
}

func TestMultiSetWritesEveryKey(t *testing.T) {
	for _, conc := range []int{1, 0, 3} {
		t.Run(fmt.Sprintf("concurrency=%d", conc), func(t *testing.T) {
			s := newStore(t, Options{MultiSetConcurrency: conc})
			ctx := t.Context()
			var keys []string
			var vals [][]byte
			for i := range 25 {
				key := fmt.Sprintf("%s%d", uniq(t, "plain"), i)
				if i%3 == 0 {
					key = fmt.Sprintf("%s:%d", uniq(t, fmt.Sprint("ns", i%2)), i)
				}
				keys = append(keys, key)
				vals = append(vals, []byte(fmt.Sprint("value ", i)))
			}
			require.NoError(t, s.MultiSet(ctx, keys, vals, 0))
			got, err := s.MultiGet(ctx, keys)
			require.NoError(t, err)
			for i := range keys {
				assert.Equal(t, string(vals[i]), string(got[i]), keys[i])
			}
		})
	}
}

// MultiGetTTL and MultiGetVersion read what MultiGet reads, with the TTL
// that GetTTL tells and the version that GetVersion gives (a
// CompareAndSwap takes it), nil for a miss, for keys with and without a
// namespace, in one GetMulti (TestRoundTripsOfCommonOperations).
func TestMultiGetTTLAndVersionReadWhatMultiGetReads(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	ns := uniq(t, "ns")
	withTTL, forever, named, missing := uniq(t, "ttl"), uniq(t, "forever"), ns+":k", uniq(t, "missing")
	require.NoError(t, s.Set(ctx, withTTL, []byte("a"), time.Hour))
	require.NoError(t, s.Set(ctx, forever, []byte(""), 0))
	require.NoError(t, in(s, ns).Set(ctx, named, []byte("c"), time.Minute))
	keys := []string{withTTL, forever, missing, named}

	vals, ttls, err := in(s, ns).MultiGetTTL(ctx, keys)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("a"), {}, nil, []byte("c")}, vals)
	assert.InDelta(t, time.Hour, ttls[0], float64(3*time.Second), "as GetTTL tells it")
	assert.Zero(t, ttls[1], "no expiry")
	assert.Zero(t, ttls[2], "a miss")
	assert.InDelta(t, time.Minute, ttls[3], float64(3*time.Second))

	vals, vers, err := in(s, ns).MultiGetVersion(ctx, keys)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("a"), {}, nil, []byte("c")}, vals)
	assert.Nil(t, vers[2], "a miss has no version")
	for _, i := range []int{0, 1, 3} {
		require.NotNil(t, vers[i], keys[i])
		_, swapped, err := in(s, ns).CompareAndSwap(ctx, keys[i], vers[i], []byte("swapped"), 0)
		require.NoError(t, err)
		assert.True(t, swapped, "%s: a CompareAndSwap on the version read", keys[i])
		_, swapped, err = in(s, ns).CompareAndSwap(ctx, keys[i], vers[i], []byte("again"), 0)
		require.NoError(t, err)
		assert.False(t, swapped, "%s: the version read is spent by the write", keys[i])
	}
}
