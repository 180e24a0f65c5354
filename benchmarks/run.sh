#!/usr/bin/env bash
# Runs the benchmarks of this module and writes RESULTS.md and results.svg
# beside this script, from the raw output kept in results/bench-MODE.txt.
#
#   BENCH=short  -benchtime 200ms -count 4: a quick look (the default; 4 runs
#                are the fewest for which benchstat can call a difference
#                significant)
#   BENCH=full   -benchtime 1s -count 10: figures to quote
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
cmd="go test -run '^\$' -bench '$filter' -benchmem -benchtime $benchtime -count $count -timeout 0 ."
echo "cd benchmarks && $cmd"
status=0
eval "$cmd" | tee "$raw" || status=$?

# The report is written even after a failed benchmark: what ran is shown,
# and the missing figures say "no data".
go run ./cmd/report -mode "$mode" -cmd "cd benchmarks && $cmd" -benchstat "$bin/benchstat" \
	-out RESULTS.md -svg results.svg "$raw"
echo "wrote benchmarks/RESULTS.md and benchmarks/results.svg"
exit "$status"
