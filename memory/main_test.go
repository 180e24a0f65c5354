package memory

import (
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is a Clock that moves only when told to.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time { return time.Unix(1_700_000_000, c.ns.Load()) }

func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// newTestStore returns a store on a fake clock, closed when t ends. Unless
// opts says otherwise it runs no background sweep, so that tests decide
// when expired entries are removed.
func newTestStore(t testing.TB, opts Options) (*Store, *fakeClock) {
	t.Helper()
	clk := &fakeClock{}
	if opts.Clock == nil {
		opts.Clock = clk.Now
	}
	if opts.CleanupInterval == 0 {
		opts.CleanupInterval = -1
	}
	s := New(opts)
	t.Cleanup(func() { _ = s.Close() })
	return s, clk
}

// checkInvariants verifies the internal bookkeeping of every shard: the
// queues hold exactly the entries of the map (when bounded), no shard
// exceeds its share, and the expiry heap holds exactly the entries with an
// expiry, in heap order.
func checkInvariants(t testing.TB, s *Store) {
	t.Helper()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		withExpiry := 0
		for k, e := range sh.m {
			if e.key != k {
				t.Errorf("shard %d: entry of %q filed under %q", i, e.key, k)
			}
			if e.expires != 0 {
				withExpiry++
				if e.heapIdx < 0 || e.heapIdx >= len(sh.exp) || sh.exp[e.heapIdx] != e {
					t.Errorf("shard %d: %q has an expiry but a wrong heap index %d", i, k, e.heapIdx)
				}
			} else if e.heapIdx != -1 {
				t.Errorf("shard %d: %q has no expiry but heap index %d", i, k, e.heapIdx)
			}
		}
		if withExpiry != len(sh.exp) {
			t.Errorf("shard %d: %d entries with expiry, heap holds %d", i, withExpiry, len(sh.exp))
		}
		for j := 1; j < len(sh.exp); j++ {
			if p := (j - 1) / 2; sh.exp[p].expires > sh.exp[j].expires {
				t.Errorf("shard %d: heap order broken at %d", i, j)
			}
		}
		if sh.capacity > 0 {
			if len(sh.m) > sh.capacity {
				t.Errorf("shard %d: %d entries over its share %d", i, len(sh.m), sh.capacity)
			}
			n := countQueue(t, &sh.small, inSmall, sh.m) + countQueue(t, &sh.main, inMain, sh.m)
			if n != len(sh.m) {
				t.Errorf("shard %d: queues hold %d entries, map %d", i, n, len(sh.m))
			}
		}
		sh.mu.Unlock()
	}
}

// countQueue walks q checking its links and that its entries are in m.
func countQueue(t testing.TB, q *fifo, tag uint8, m map[string]*entry) int {
	t.Helper()
	n := 0
	var prev *entry
	for e := q.head; e != nil; e = e.next {
		if e.prev != prev {
			t.Errorf("queue %d: broken back link at %q", tag, e.key)
		}
		if e.queue != tag {
			t.Errorf("queue %d: %q is tagged %d", tag, e.key, e.queue)
		}
		if m[e.key] != e {
			t.Errorf("queue %d: %q is not in the map", tag, e.key)
		}
		prev = e
		n++
	}
	if q.tail != prev || q.len != n {
		t.Errorf("queue %d: len %d, walked %d", tag, q.len, n)
	}
	return n
}
