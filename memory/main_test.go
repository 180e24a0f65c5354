package memory

import (
	"hash/maphash"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// testSeed hashes keys in tests that build shards by hand.
var testSeed = maphash.MakeSeed()

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

// checkInvariants verifies the internal bookkeeping of every shard: each
// entry is found in its shard's table under its key and is alive, the
// expiry count and heap cover the entries with an expiry, and, when
// bounded, the queues hold exactly the entries of the table and the
// shared count is the number of entries, within MaxEntries.
func checkInvariants(t testing.TB, s *Store) {
	t.Helper()
	// Every shard is locked before any is counted, and unlocked after the
	// store's count is read: the sweep and an eviction from another shard
	// change the count under one shard's lock, so counting shard by shard
	// would race with them.
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
	defer func() {
		for i := range s.shards {
			s.shards[i].mu.Unlock()
		}
	}()
	total := 0
	for i := range s.shards {
		sh := &s.shards[i]
		tab := sh.tab.Load()
		n, withExpiry, queued := 0, 0, 0
		items := map[*entry]int64{}
		for _, it := range sh.exp {
			if at, ok := items[it.e]; !ok || it.at < at {
				items[it.e] = it.at
			}
		}
		tab.each(func(e *entry) {
			n++
			h := s.hash(e.key)
			if s.shardOf(h) != sh {
				t.Errorf("shard %d: %q belongs to another shard", i, e.key)
			}
			if tab.find(e.key, h) != e {
				t.Errorf("shard %d: %q is not found under its key", i, e.key)
			}
			if e.dead() {
				t.Errorf("shard %d: %q is in the table but dead", i, e.key)
			}
			if exp := e.expires.Load(); exp != 0 {
				withExpiry++
				if at, ok := items[e]; !ok || at > exp {
					t.Errorf("shard %d: %q expires at %d without a heap item before it", i, e.key, exp)
				}
			}
			if q := e.queue(); q != inNone {
				queued++
				if s.bound == nil {
					t.Errorf("shard %d: %q is queued in an unbounded store", i, e.key)
				}
			} else if s.bound != nil {
				t.Errorf("shard %d: %q is in no queue", i, e.key)
			}
		})
		if n != tab.live {
			t.Errorf("shard %d: table counts %d entries, holds %d", i, tab.live, n)
		}
		if withExpiry != sh.ttl {
			t.Errorf("shard %d: %d entries with expiry, counted %d", i, withExpiry, sh.ttl)
		}
		for j := 1; j < len(sh.exp); j++ {
			if p := (j - 1) / 2; sh.exp[p].at > sh.exp[j].at {
				t.Errorf("shard %d: heap order broken at %d", i, j)
			}
		}
		if s.bound != nil {
			m := countRing(t, &sh.pol.window, inWindow) + countRing(t, &sh.pol.probation, inProbation) + countRing(t, &sh.pol.protected, inProtected)
			if m != n {
				t.Errorf("shard %d: queues hold %d entries, table %d", i, m, n)
			}
		}
		total += n
	}
	if s.bound != nil {
		if c := s.bound.count.Load(); c != int64(total) {
			t.Errorf("the store counts %d entries, holds %d", c, total)
		}
		if int64(total) > s.bound.max {
			t.Errorf("%d entries over MaxEntries %d", total, s.bound.max)
		}
	}
}

// countRing walks r checking that its live entries are tagged with q and
// that it counts them right, and returns how many there are.
func countRing(t testing.TB, r *ring, q uint64) int {
	t.Helper()
	n := 0
	for i := range r.n {
		e := r.buf[(r.head+i)%len(r.buf)]
		if e.dead() {
			continue
		}
		if e.queue() != q {
			t.Errorf("queue %d: %q is tagged %d", q, e.key, e.queue())
		}
		n++
	}
	if n != r.live {
		t.Errorf("queue %d: counts %d live entries, holds %d", q, r.live, n)
	}
	return n
}
