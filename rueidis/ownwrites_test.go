package rueidis

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	// burstKeys and burstValueSize make the burst of
	// TestNearCacheMarksLeaveNoHeapAfterABurst: 200 MiB of values.
	burstKeys      = 50_000
	burstValueSize = 4 << 10
	// heapSlack is how far above its baseline the heap may stay once the
	// burst is over: a copy of the values kept for a while is 200 MiB,
	// marks of the 50 000 keys kept for good some MiB.
	heapSlack = 5 << 20
	// idleBound is how long the test waits, without a call, for the heap
	// to come back: the marks last ownWriteWindow, and a sweep follows
	// within another.
	idleBound = 10 * time.Second
)

// TestNearCacheMarksLeaveNoHeapAfterABurst writes 50 000 values of 4 KiB
// with MultiSet on a store with a near cache, then leaves it idle: the
// marks of its own writes (see ownWrites) go with their window, and the
// live heap comes back to within 5 MiB of where it was before the burst.
// The marks are the store's own, the same on every deployment: the test
// runs on a standalone server only (200 MiB through a Cluster under -race
// takes minutes).
func TestNearCacheMarksLeaveNoHeapAfterABurst(t *testing.T) {
	d := deployments[0] // standalone
	s, _ := d.newStore(t, Options{ClientSideCache: time.Minute})
	ctx, key := context.Background(), testKey(t, s)
	keys := make([]string, burstKeys)
	for i := range keys {
		keys[i] = fmt.Sprint(key, ":", i)
	}
	// A first burst of a few keys makes the connections and buffers
	// that the big one also uses.
	require.NoError(t, s.MultiSet(ctx, keys[:100], burstValues(100), time.Minute))
	awaitHeap(t, s, 0, idleBound) // its marks gone too
	baseline := liveHeap()

	// In MultiSets of 1000 keys: one pipeline of 200 MiB may outlast
	// rueidis' write timeout on a loaded machine.
	vals := burstValues(burstKeys)
	for i := 0; i < burstKeys; i += 1000 {
		require.NoError(t, s.MultiSet(ctx, keys[i:i+1000], vals[i:i+1000], time.Minute))
	}
	during := liveHeap()
	after, waited := awaitHeap(t, s, baseline+heapSlack, idleBound)
	t.Logf("live heap: %d KiB before the burst of %d x %d B, %d KiB right after it, %d KiB after %v idle",
		baseline>>10, burstKeys, burstValueSize, during>>10, after>>10, waited.Round(time.Millisecond))
	require.LessOrEqual(t, after, baseline+heapSlack,
		"live heap %d KiB above its baseline after %v idle", (int64(after)-int64(baseline))>>10, idleBound)
}

// burstValues returns n distinct values of burstValueSize bytes.
func burstValues(n int) [][]byte {
	vals := make([][]byte, n)
	for i := range vals {
		vals[i] = make([]byte, burstValueSize)
		copy(vals[i], fmt.Sprint(i))
	}
	return vals
}

// awaitHeap waits, for at most bound, until the live heap is at most
// limit (0: until the store holds no mark), and returns it and how long
// it waited. It looks every 100ms: nothing tells when a sweep has run.
func awaitHeap(t *testing.T, s *Store, limit uint64, bound time.Duration) (uint64, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		heap := liveHeap()
		done := heap <= limit
		if limit == 0 {
			done = s.own.empty()
		}
		if done || time.Since(start) > bound {
			return heap, time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC() // the first one may leave finalized objects to the second
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
