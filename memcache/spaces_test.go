package memcache

import (
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heapSlack is how far above its baseline the live heap may be after a
// burst of namespaces: the state of maxSpaces namespaces (about 1.2 MiB)
// and room for the runtime. Keeping the state of every namespace, as the
// store once did (about 390 bytes each), left 45 MiB after 122 000.
const heapSlack = 5 << 20

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC() // the first may leave finalized objects to the second
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestNamespaceBurstLeavesTheHeapNearItsBaseline clears 40 000 namespaces
// that are never used again (per-tenant namespaces come and go): each
// Clear is one round trip, and leaves the store knowing the key and the
// generation of its namespace. The heap returns to within heapSlack of
// where it was; the store once kept 17 MiB for them, and 45 MiB for
// 122 000.
func TestNamespaceBurstLeavesTheHeapNearItsBaseline(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	prefix := uniq(t, "tenant-")
	require.NoError(t, s.Clear(ctx, prefix+"warm-up"))
	before := liveHeap()
	const namespaces, workers = 40_000, 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < namespaces; i += workers {
				if err := s.Clear(ctx, prefix+strconv.Itoa(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	after := liveHeap()
	t.Logf("live heap %d KiB before %d namespaces, %d KiB after (%+d bytes, %d namespaces kept)",
		before>>10, namespaces, after>>10, after-before, s.spaces.n.Load())
	assert.Less(t, after-before, int64(heapSlack), "growth of the live heap after a burst of namespaces")
	assert.LessOrEqual(t, s.spaces.n.Load(), int64(maxSpaces), "namespaces whose state the store keeps")
}

// TestSpacesKeepAtMostMaxSpaces makes the state of 122 000 namespaces, as
// every namespaced operation does first, without the round trips: the
// store keeps at most maxSpaces of them, and the heap returns to within
// heapSlack of its baseline.
func TestSpacesKeepAtMostMaxSpaces(t *testing.T) {
	s := newStore(t, Options{})
	before := liveHeap()
	const namespaces = 122_000
	for i := range namespaces {
		ns := "tenant-" + strconv.Itoa(i)
		s.rememberGen(s.spaces.get(ns), newGen())
		require.LessOrEqual(t, s.spaces.n.Load(), int64(maxSpaces+1), "after namespace %d", i)
	}
	after := liveHeap()
	t.Logf("live heap %+d bytes after %d namespaces", after-before, namespaces)
	assert.Less(t, after-before, int64(heapSlack))
}

// TestSpacesKeepNamespacesInUse checks that a sweep drops the namespaces
// not used since the last one first: a namespace read all along keeps its
// state (and the generation it saw) through a burst of new ones.
func TestSpacesKeepNamespacesInUse(t *testing.T) {
	s := newStore(t, Options{})
	hot := s.spaces.get("hot")
	s.rememberGen(hot, "0123456789abcdef")
	for i := range 4 * maxSpaces {
		s.spaces.get("cold-" + strconv.Itoa(i))
		if i%64 == 0 {
			assert.Same(t, hot, s.spaces.get("hot"), "after %d new namespaces", i)
		}
	}
	seen, _ := s.cachedGen(s.spaces.get("hot"))
	require.NotNil(t, seen)
	assert.Equal(t, "0123456789abcdef", seen.gen)
}
