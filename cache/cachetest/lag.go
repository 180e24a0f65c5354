package cachetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// runSeeOthersWrites checks that what one instance writes or deletes, the
// others read, within Harness.ReadLag (at once without a near cache), also
// when they had read the key before (and may have cached it).
func runSeeOthersWrites(t *testing.T, h Harness) {
	stores := h.stores(t, 2)
	a := NewCache[string, string](t, stores[0], cache.Options[string, string]{Namespace: "x"})
	b := NewCache[string, string](t, stores[1], cache.Options[string, string]{Namespace: "x"})
	ctx := t.Context()
	const rounds = 21
	var lags []time.Duration
	for i := range rounds {
		key := fmt.Sprint("k", i)
		AssertMissing(t, a, key)
		AssertMissing(t, b, key) // b may now remember the miss
		require.NoError(t, a.Set(ctx, key, "from a"))
		lags = append(lags, h.seen(t, b, key, "from a", true))
		AssertValue(t, a, key, "from a")
		existed, err := b.Delete(ctx, key)
		require.NoError(t, err)
		assert.True(t, existed)
		lags = append(lags, h.seen(t, a, key, "", false))
		require.NoError(t, b.Set(ctx, key, "from b"))
		lags = append(lags, h.seen(t, a, key, "from b", true))
	}
	if h.ReadLag > 0 {
		slices.Sort(lags)
		t.Logf("another instance's write seen after p50 %v, p99 %v, max %v (ReadLag %v)",
			lags[len(lags)/2], lags[len(lags)*99/100], lags[len(lags)-1], h.ReadLag)
	}
}

// seen waits until key of c reads want (found) or misses (!found), for at
// most h.ReadLag, and returns how long it took; it fails t if it did not.
func (h Harness) seen(t *testing.T, c *cache.Cache[string, string], key, want string, found bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got, ok, err := c.Get(t.Context(), key)
		require.NoError(t, err)
		if ok == found && got == want {
			return time.Since(start)
		}
		if time.Since(start) >= h.ReadLag {
			t.Fatalf("after %v %q reads %q (found %v), want %q (found %v)", time.Since(start), key, got, ok, want, found)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// Eventually reports whether cond holds within h.ReadLag (at once when it
// is 0): for the reads of a suite that follow another instance's write.
func (h Harness) Eventually(cond func() bool) bool {
	deadline := time.Now().Add(h.ReadLag)
	for {
		if cond() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
}
