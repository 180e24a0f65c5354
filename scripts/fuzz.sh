#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, for FUZZTIME
# each (30s by default), and prints a line per target with its execs.
# A failing input is saved under the package's testdata/fuzz/ by go test:
# commit it, and it becomes a regression test of the plain test run.
# Not run by CI. Usage: scripts/fuzz.sh [package pattern], e.g.
#   FUZZTIME=10m scripts/fuzz.sh ./serializer/
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-30s}
parallel=${FUZZPARALLEL:-$(nproc)}
status=0
for pkg in $(go list "${1:-./...}"); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)
	for t in $targets; do
		start=$(date +%s)
		if out=$(go test -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" -parallel "$parallel" "$pkg" 2>&1); then
			result=ok
		else
			result=FAIL
			status=1
		fi
		execs=$(printf '%s\n' "$out" | grep -o 'execs: [0-9]*' | tail -1 | cut -d' ' -f2)
		printf '%-5s %-40s %-22s %6ss %12s execs\n' "$result" "${pkg#github.com/cachekit/cachekit/}" "$t" "$(( $(date +%s) - start ))" "${execs:-?}"
		[ "$result" = ok ] || printf '%s\n' "$out" | tail -30
	done
done
exit $status
