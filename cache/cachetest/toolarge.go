package cachetest

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

// runTooLarge checks that a write of a value over the store's limit fails
// with an error matching cache.ErrTooLarge that names the key and the size,
// and that it leaves the key's earlier value in place (memcached drops the
// old item when it refuses a new one, so the store must refuse first).
func runTooLarge(t *testing.T, h Harness) {
	s := h.store(t)
	ctx := t.Context()
	huge := make([]byte, h.MaxValueSize+1)
	twice := make([]byte, 2*h.MaxValueSize) // memcached itself would refuse it, dropping the old value
	fits := make([]byte, h.MaxValueSize-4096)
	for _, ns := range []string{"big", ""} {
		c := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: ns, Serializer: RawBytes{}})
		require.NoError(t, c.Set(ctx, "k", []byte("old")))
		_, _, casErr := c.CompareAndSwap(ctx, "k", nil, huge)
		for name, w := range map[string]struct {
			key  string
			size int
			err  error
		}{
			"Set":               {"k", len(huge), c.Set(ctx, "k", huge)},
			"Set of twice that": {"k", len(twice), c.Set(ctx, "k", twice)},
			"Add":               {"new", len(huge), c.Add(ctx, "new", huge)},
			"MultiSet":          {"k", len(huge), c.MultiSet(ctx, map[string][]byte{"k": huge})},
			"CompareAndSwap":    {"k", len(huge), casErr},
		} {
			if assert.ErrorIs(t, w.err, cache.ErrTooLarge, name) {
				assert.Contains(t, w.err.Error(), c.Key(w.key), "%s: the error names the key", name)
				assert.Contains(t, w.err.Error(), strconv.Itoa(w.size), "%s: the error names the size", name)
			}
		}
		AssertValue(t, c, "k", []byte("old"))
		AssertMissing(t, c, "new")
		require.NoError(t, c.Set(ctx, "k", fits), "a value 4 KiB under the limit")
		AssertValue(t, c, "k", fits)
	}
}
