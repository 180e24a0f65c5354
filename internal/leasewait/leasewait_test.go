package leasewait

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// newTable returns an empty table that must be empty again when t ends.
func newTable(t *testing.T) *Table {
	t.Helper()
	tb := new(Table)
	t.Cleanup(func() {
		if n := tb.Len(); n != 0 {
			t.Errorf("table holds %d entries after the test, want 0", n)
		}
	})
	return tb
}

func TestWakeWakesEveryWaiter(t *testing.T) {
	s := newTable(t)
	var chs []<-chan struct{}
	var dones []func()
	for range 5 {
		ch, done := s.Wait("k")
		chs = append(chs, ch)
		dones = append(dones, done)
	}
	if got := s.Waiting("k"); got != 5 {
		t.Fatalf("Waiting = %d, want 5", got)
	}
	for i, ch := range chs {
		if closed(ch) {
			t.Fatalf("waiter %d woken before Release", i)
		}
	}
	s.Wake("k")
	for i, ch := range chs {
		if !closed(ch) {
			t.Fatalf("waiter %d not woken by Release", i)
		}
	}
	if got := s.Waiting("k"); got != 0 {
		t.Fatalf("Waiting after Release = %d, want 0", got)
	}
	for _, done := range dones {
		done()
	}
}

func TestWaitAfterReleaseGetsFreshChannel(t *testing.T) {
	s := newTable(t)
	ch1, done1 := s.Wait("k")
	s.Wake("k")
	ch2, done2 := s.Wait("k")
	defer done2()
	done1()
	if !closed(ch1) {
		t.Fatal("first waiter not woken")
	}
	if closed(ch2) {
		t.Fatal("a waiter that came after the Release was woken by it")
	}
}

// TestLateGiveUpKeepsNewerWaiters is the interleaving that broke a shared
// event dictionary: waiter A waits, the holder releases, a new holder takes
// the lock and waiter B waits for it, and only then does A clean up. A must
// not remove (or wake) B's entry.
func TestLateGiveUpKeepsNewerWaiters(t *testing.T) {
	s := newTable(t)
	chA, doneA := s.Wait("k")
	s.Wake("k")
	chB, doneB := s.Wait("k")
	doneA()
	if !closed(chA) {
		t.Fatal("A not woken")
	}
	if closed(chB) {
		t.Fatal("B woken by A's clean-up")
	}
	if got := s.Waiting("k"); got != 1 {
		t.Fatalf("Waiting after A left = %d, want 1 (B)", got)
	}
	s.Wake("k")
	if !closed(chB) {
		t.Fatal("B not woken by the second Release")
	}
	doneB()
}

func TestDoneTwiceCountsOnce(t *testing.T) {
	s := newTable(t)
	_, doneA := s.Wait("k")
	chB, doneB := s.Wait("k")
	defer doneB()
	doneA()
	doneA()
	if got := s.Waiting("k"); got != 1 {
		t.Fatalf("Waiting = %d, want 1", got)
	}
	s.Wake("k")
	if !closed(chB) {
		t.Fatal("B not woken")
	}
}

func TestGiveUpLeavesNoEntry(t *testing.T) {
	s := newTable(t)
	_, d1 := s.Wait("k")
	_, d2 := s.Wait("k")
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want 1", s.Len())
	}
	d1()
	d2()
	if s.Len() != 0 {
		t.Fatalf("Len after every waiter gave up = %d, want 0", s.Len())
	}
}

func TestWakeIsPerTableAndKey(t *testing.T) {
	s1, s2 := newTable(t), newTable(t)
	type w struct {
		store *Table
		key   string
	}
	ws := []w{{s1, "a"}, {s1, "b"}, {s2, "a"}}
	chs := make([]<-chan struct{}, len(ws))
	for i, x := range ws {
		var done func()
		chs[i], done = x.store.Wait(x.key)
		defer done()
	}
	s1.Wake("a")
	for i, want := range []bool{true, false, false} {
		if got := closed(chs[i]); got != want {
			t.Errorf("waiter on %v/%q woken = %v, want %v", ws[i].store, ws[i].key, got, want)
		}
	}
}

func TestWakeWithoutWaitersDoesNotAllocate(t *testing.T) {
	s := newTable(t)
	if n := testing.AllocsPerRun(100, func() { s.Wake("k") }); n != 0 {
		t.Errorf("Wake on an empty table: %v allocations, want 0", n)
	}
	// Waiters on other keys in every shard: Wake must look its key up.
	var dones []func()
	for i := range 4 * shardCount {
		_, done := s.Wait(fmt.Sprint("other", i))
		dones = append(dones, done)
	}
	if n := testing.AllocsPerRun(100, func() { s.Wake("k") }); n != 0 {
		t.Errorf("Wake with waiters on other keys: %v allocations, want 0", n)
	}
	for _, done := range dones {
		done()
	}
}

// TestChurn runs waiters that give up on timers and releasers at once on a
// few keys; run it with -race. Every waiter must end (woken or timed out)
// and the table must be empty afterwards.
func TestChurn(t *testing.T) {
	stores := []*Table{newTable(t), newTable(t)}
	keys := []string{"a", "b", "c"}
	const goroutines, rounds = 16, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range rounds {
				s, k := stores[r.IntN(len(stores))], keys[r.IntN(len(keys))]
				if r.IntN(3) == 0 {
					s.Wake(k)
					continue
				}
				ch, done := s.Wait(k)
				timer := time.NewTimer(time.Duration(r.IntN(200)) * time.Microsecond)
				select {
				case <-ch:
				case <-timer.C:
				}
				timer.Stop()
				done()
			}
		}()
	}
	wg.Wait()
}

func TestWakeAllWakesEveryKey(t *testing.T) {
	s := newTable(t)
	chA, doneA := s.Wait("a")
	chB, doneB := s.Wait("b")
	defer doneA()
	defer doneB()
	if keys := s.Keys(); len(keys) != 2 {
		t.Fatalf("Keys = %v, want a and b", keys)
	}
	s.WakeAll()
	if !closed(chA) || !closed(chB) {
		t.Fatal("WakeAll left a waiter asleep")
	}
	if s.Len() != 0 || len(s.Keys()) != 0 {
		t.Fatalf("after WakeAll: Len %d, Keys %v", s.Len(), s.Keys())
	}
}
