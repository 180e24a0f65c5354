#!/usr/bin/env bash
# Runs the benchmarks of this module and writes RESULTS.md and results.svg
# beside this script, from the raw output kept in results/bench-MODE.txt.
#
#   BENCH=short  -benchtime 200ms, 4 passes: a quick look (the default; 4
#                runs are the fewest for which benchstat can call a
#                difference significant)
#   BENCH=full   -benchtime 1s, 10 passes: figures to quote
#   BENCHTIME, COUNT     override the mode's values
#   BENCHFILTER          the -bench regexp (default: every benchmark)
#
# benchstat is installed into .bin/ on first use. The servers (redis-server,
# redis-cli, memcached) must be installed: `make servers` does it.
set -euo pipefail
cd "$(dirname "$0")"

mode=${BENCH:-short}
case $mode in
short) benchtime=200ms count=4 ;;
full) benchtime=1s count=10 ;;
*)
	echo "run.sh: BENCH must be short or full, not '$mode'" >&2
	exit 2
	;;
esac
benchtime=${BENCHTIME:-$benchtime}
count=${COUNT:-$count}
filter=${BENCHFILTER:-.}

bin=$PWD/.bin
if [ ! -x "$bin/benchstat" ]; then
	echo "installing benchstat into $bin"
	GOBIN=$bin go install golang.org/x/perf/cmd/benchstat@latest
fi

mkdir -p results
raw=results/bench-$mode.txt
# The runs are passes of the whole suite, one after the other, rather than
# go test's -count, which runs each benchmark count times in a row: the
# servers' and the machine's drift over a run then falls on cachekit and
# its peer alike, and not on their ratio. BENCH_PASS tells each pass its
# number: even passes run the peers of a benchmark in reverse order (see
# passOrder in order_test.go).
testbin=$(mktemp -d)/benchmarks.test
trap 'rm -rf "$(dirname "$testbin")"' EXIT
go test -c -o "$testbin" .
args="-test.run '^\$' -test.bench '$filter' -test.benchmem -test.benchtime $benchtime -test.count 1 -test.timeout 0"
cmd="go test -c -o benchmarks.test . && for pass in \$(seq $count); do BENCH_PASS=\$pass ./benchmarks.test $args; done"
echo "cd benchmarks && $cmd"
passes() {
	local status=0 pass
	for ((pass = 1; pass <= count; pass++)); do
		echo "run.sh: pass $pass of $count" >&2
		export BENCH_PASS=$pass # the order of the peers (see passOrder)
		eval "\"$testbin\" $args" || status=$?
	done
	return $status
}
status=0
passes | tee "$raw" || status=$?

# The report is written even after a failed benchmark: what ran is shown,
# and the missing figures say "no data".
go run ./cmd/report -mode "$mode" -cmd "cd benchmarks && $cmd" -benchstat "$bin/benchstat" \
	-out RESULTS.md -svg results.svg "$raw"
echo "wrote benchmarks/RESULTS.md and benchmarks/results.svg"
exit "$status"
