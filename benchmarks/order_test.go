package benchmarks

import (
	"iter"
	"os"
	"slices"
	"strconv"
	"testing"
)

// passOrder returns impls in the order this pass runs them: as listed in
// odd passes of run.sh (BENCH_PASS, from 1), reversed in even ones, and as
// listed outside run.sh. A benchmark run first in its group measured up to
// 4 % slower than the same code run after its peer (memcached plain-key
// Get, alternated 6 times, each order in a process of its own: 1.050×
// gomemcache first-run against 1.012× second-run), so a fixed order put
// that on every ratio. Reversing it every other pass puts each impl of a
// pair first in half the passes, and the medians over the passes take
// the order's cost from neither side.
func passOrder[T any](impls []T) []T {
	return roundOrder(impls, 0)
}

// turns yields impls rounds times over (at least once), each round in
// roundOrder: a benchmark whose target sits close to its bound runs its
// impls several times in a pass, in turn. go test names the later rounds'
// sub-benchmarks "impl=NAME#01", "#02"...; cmd/report counts them as
// samples of impl=NAME.
func turns[T any](impls []T, rounds int) iter.Seq[T] {
	return func(yield func(T) bool) {
		for r := range max(rounds, 1) {
			for _, im := range roundOrder(impls, r) {
				if !yield(im) {
					return
				}
			}
		}
	}
}

// roundOrder is passOrder for round r (from 0): the order turns round every
// round too, so that within a pass each impl of a pair runs first as often
// as its peer (or once more), and over two passes exactly as often.
func roundOrder[T any](impls []T, r int) []T {
	pass, _ := strconv.Atoi(os.Getenv("BENCH_PASS"))
	if pass == 0 {
		pass = 1 // outside run.sh: as listed, as in a first pass
	}
	if (pass-1+r)%2 == 0 {
		return impls
	}
	rev := slices.Clone(impls)
	slices.Reverse(rev)
	return rev
}

// getHitRounds is how many times BenchmarkRedisParallel's GetHit, whose
// target (within 1.05× rueidis) sits close to its bound, runs each impl in
// a pass, in turn with its peers (in roundOrder). One run of 64
// goroutines on two cores shared with the server varies by 5 to 10 %
// about its peer's (cachekit over rueidis, 200 ms: a standard deviation
// of 4.5 % over 12 passes alone; 0.74× to 1.14× amid the suite), so that
// a median of four such runs cannot tell 1.02× from 1.06×, and one of
// twelve (three rounds: 1.04×, 1.03×, 1.02×, 1.01×, 1.06× in five
// short runs) misses the bound once in five runs. Eight make the short
// mode's four passes 32 samples (whose median still read 1.03× and 1.05×
// in two runs in a row: amid the suite the ratio itself sits at 1.03 to
// 1.05×, against 1.01 to 1.03× alone), and the full mode's 80 (1.03×).
// The other ops, far from their bounds, run once.
const getHitRounds = 8

// keyRounds is getHitRounds for BenchmarkMemcachedKeys, whose two targets
// (a plain key within 1.05× a raw Get, a namespaced one within 1.10× a
// raw 2-key GetMulti) sit within a sample's spread of their bounds (12
// samples of the plain key in one short run: 0.83× to 1.28×, median
// 1.07×; in the run before it, 1.02×). A pass of six rounds takes ~20 s:
// 24 samples a short run.
const keyRounds = 6

// serialGetRounds is getHitRounds for BenchmarkMemcached's GetHit (within
// 1.10× gomemcache): one round trip at a time, whose time on this machine
// is mostly that of waking the goroutine, varies from 29 to 74 µs between
// runs of the same code, and four samples of it read 1.12× in one short
// run (pairs 1.23, 1.60, 1.01, 0.97). A round is ~1 s a pass.
const serialGetRounds = 4

// TestRoundOrderRunsEachImplFirstAsOften checks that over two passes of
// run.sh, each impl of a pair runs first in as many rounds as its peer,
// and within a pass in at most one more.
func TestRoundOrderRunsEachImplFirstAsOften(t *testing.T) {
	for _, rounds := range []int{1, 3, getHitRounds, keyRounds, serialGetRounds} {
		firsts := map[string]int{}
		for pass := 1; pass <= 2; pass++ {
			t.Setenv("BENCH_PASS", strconv.Itoa(pass))
			inPass := map[string]int{}
			seq := slices.Collect(turns([]string{"cachekit", "peer"}, rounds))
			if len(seq) != 2*rounds {
				t.Fatalf("%d rounds of two impls: %d runs", rounds, len(seq))
			}
			for r := range rounds {
				first := seq[2*r]
				firsts[first]++
				inPass[first]++
			}
			if d := inPass["cachekit"] - inPass["peer"]; d < -1 || d > 1 {
				t.Errorf("%d rounds, pass %d: cachekit first %d times, its peer %d", rounds, pass, inPass["cachekit"], inPass["peer"])
			}
		}
		if firsts["cachekit"] != firsts["peer"] {
			t.Errorf("%d rounds over two passes: cachekit first %d times, its peer %d", rounds, firsts["cachekit"], firsts["peer"])
		}
	}
}
