package leasewait

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// fakeStore stands for a store instance: a pointer, as real stores are.
type fakeStore struct{ name string }

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// checkEmpty fails t if the table is not empty once t ends.
func checkEmpty(t *testing.T) {
	t.Helper()
	if n := Len(); n != 0 {
		t.Fatalf("table holds %d entries before the test", n)
	}
	t.Cleanup(func() {
		if n := Len(); n != 0 {
			t.Errorf("table holds %d entries after the test, want 0", n)
		}
	})
}

func TestReleaseWakesEveryWaiter(t *testing.T) {
	checkEmpty(t)
	s := &fakeStore{}
	var chs []<-chan struct{}
	var dones []func()
	for range 5 {
		ch, done := Wait(s, "k")
		chs = append(chs, ch)
		dones = append(dones, done)
	}
	if got := Waiting(s, "k"); got != 5 {
		t.Fatalf("Waiting = %d, want 5", got)
	}
	for i, ch := range chs {
		if closed(ch) {
			t.Fatalf("waiter %d woken before Release", i)
		}
	}
	Release(s, "k")
	for i, ch := range chs {
		if !closed(ch) {
			t.Fatalf("waiter %d not woken by Release", i)
		}
	}
	if got := Waiting(s, "k"); got != 0 {
		t.Fatalf("Waiting after Release = %d, want 0", got)
	}
	for _, done := range dones {
		done()
	}
}

func TestWaitAfterReleaseGetsFreshChannel(t *testing.T) {
	checkEmpty(t)
	s := &fakeStore{}
	ch1, done1 := Wait(s, "k")
	Release(s, "k")
	ch2, done2 := Wait(s, "k")
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
	checkEmpty(t)
	s := &fakeStore{}
	chA, doneA := Wait(s, "k")
	Release(s, "k")
	chB, doneB := Wait(s, "k")
	doneA()
	if !closed(chA) {
		t.Fatal("A not woken")
	}
	if closed(chB) {
		t.Fatal("B woken by A's clean-up")
	}
	if got := Waiting(s, "k"); got != 1 {
		t.Fatalf("Waiting after A left = %d, want 1 (B)", got)
	}
	Release(s, "k")
	if !closed(chB) {
		t.Fatal("B not woken by the second Release")
	}
	doneB()
}

func TestDoneTwiceCountsOnce(t *testing.T) {
	checkEmpty(t)
	s := &fakeStore{}
	_, doneA := Wait(s, "k")
	chB, doneB := Wait(s, "k")
	defer doneB()
	doneA()
	doneA()
	if got := Waiting(s, "k"); got != 1 {
		t.Fatalf("Waiting = %d, want 1", got)
	}
	Release(s, "k")
	if !closed(chB) {
		t.Fatal("B not woken")
	}
}

func TestGiveUpLeavesNoEntry(t *testing.T) {
	checkEmpty(t)
	s := &fakeStore{}
	_, d1 := Wait(s, "k")
	_, d2 := Wait(s, "k")
	if Len() != 1 {
		t.Fatalf("Len = %d, want 1", Len())
	}
	d1()
	d2()
	if Len() != 0 {
		t.Fatalf("Len after every waiter gave up = %d, want 0", Len())
	}
}

func TestReleaseIsPerStoreAndKey(t *testing.T) {
	checkEmpty(t)
	s1, s2 := &fakeStore{"1"}, &fakeStore{"2"}
	type w struct {
		store any
		key   string
	}
	ws := []w{{s1, "a"}, {s1, "b"}, {s2, "a"}}
	chs := make([]<-chan struct{}, len(ws))
	for i, x := range ws {
		var done func()
		chs[i], done = Wait(x.store, x.key)
		defer done()
	}
	Release(s1, "a")
	for i, want := range []bool{true, false, false} {
		if got := closed(chs[i]); got != want {
			t.Errorf("waiter on %v/%q woken = %v, want %v", ws[i].store, ws[i].key, got, want)
		}
	}
}

// uncomparableStore cannot be a map key: its waiters are keyed by its type.
type uncomparableStore struct{ _ []byte }

// interfaceStore is comparable by type but may panic when compared.
type interfaceStore struct{ x any }

func TestStoreOfAnyTypeDoesNotPanic(t *testing.T) {
	checkEmpty(t)
	for _, s := range []any{uncomparableStore{}, interfaceStore{x: []int{1}}, nil, "a string"} {
		ch, done := Wait(s, "k")
		Release(s, "k")
		if !closed(ch) {
			t.Errorf("waiter on a %T not woken", s)
		}
		done()
	}
}

func TestReleaseWithoutWaitersDoesNotAllocate(t *testing.T) {
	checkEmpty(t)
	s := &fakeStore{}
	if n := testing.AllocsPerRun(100, func() { Release(s, "k") }); n != 0 {
		t.Errorf("Release on an empty table: %v allocations, want 0", n)
	}
	// Waiters on other keys in every shard: Release must look its key up.
	var dones []func()
	for i := range 4 * shardCount {
		_, done := Wait(s, fmt.Sprint("other", i))
		dones = append(dones, done)
	}
	if n := testing.AllocsPerRun(100, func() { Release(s, "k") }); n != 0 {
		t.Errorf("Release with waiters on other keys: %v allocations, want 0", n)
	}
	for _, done := range dones {
		done()
	}
}

// TestChurn runs waiters that give up on timers and releasers at once on a
// few keys; run it with -race. Every waiter must end (woken or timed out)
// and the table must be empty afterwards.
func TestChurn(t *testing.T) {
	checkEmpty(t)
	stores := []any{&fakeStore{"1"}, &fakeStore{"2"}}
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
					Release(s, k)
					continue
				}
				ch, done := Wait(s, k)
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
