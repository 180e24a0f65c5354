package benchmarks

import (
	"os"
	"slices"
	"strconv"
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
	pass, _ := strconv.Atoi(os.Getenv("BENCH_PASS"))
	if pass%2 == 1 || pass == 0 {
		return impls
	}
	r := slices.Clone(impls)
	slices.Reverse(r)
	return r
}

// parallelRounds is how many times the remote benchmarks whose targets
// sit close to their bounds (BenchmarkRedisParallel, BenchmarkMemcachedKeys)
// run each impl in a pass, in turn with its peers. One run of 64
// goroutines on two cores shared with the server varies by 5 to 10 %
// about its peer's (cachekit over rueidis, Get hit, 200 ms: a standard
// deviation of 4.5 % over 12 passes alone; a namespaced memcached read
// over a raw GetMulti, 6 %), and a median of four such runs cannot tell
// 1.02× from 1.06×: three rounds make the short mode's four passes twelve
// samples. go test names the later rounds' runs "impl=NAME#01", "#02";
// cmd/report counts them as samples of impl=NAME.
const parallelRounds = 3
