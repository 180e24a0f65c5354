package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

func TestSplitNameSeparatesImplAndGOMAXPROCS(t *testing.T) {
	for name, want := range map[string]sampleKey{
		"Memory/GetHit/impl=cachekit-2":              {"Memory/GetHit", "cachekit"},
		"Serializer/size=small/impl=json-2":          {"Serializer/size=small", "json"},
		"Optimistic/store=redis/impl=go-redis-watch": {"Optimistic/store=redis", "go-redis-watch"},
		"Stampede/impl=cachekit-16":                  {"Stampede", "cachekit"},
		"Plain-2":                                    {"Plain", ""},
	} {
		if got := splitName(benchfmt.Name(name)); got != want {
			t.Errorf("splitName(%q) = %+v, want %+v", name, got, want)
		}
	}
}

func TestReportJudgesEachTargetFromTheMedians(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "RESULTS.md")
	if err := run(out, "chart.svg", "go test -bench .", "short", "", []string{"testdata/bench.txt"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{
		// medians: 21 ns vs 26.25 ns
		"| Memory Get hit (Cache[string, int], no serializer) | 0.80× (21.0 ns vs 26.2 ns) | ≤ 1.00× otter | met |",
		"| Memory Set | 2.00× (100.0 ns vs 50.0 ns) | ≤ 1.50× otter | MISSED |",
		// a variant: cachekit-near, not cachekit, against rueidis
		"| Redis hot key through the near cache (ClientSideCache) | 0.075× (300.0 ns vs 4.00 µs) | ≤ 0.10× rueidis | met |",
		"| RedisHotKey | cachekit-near | rueidis | 300.0 ns | 4.00 µs | 0.075× | 0 / 1 |",
		"| Stampede p99 time to value, against redsync's polling | 0.005× (2.00 ms vs 400.00 ms) | < 1.00× redsync | met |",
		"| Redis Get hit, parallel (Cache[string, []byte], serializer.Bytes) | — | ≤ 1.05× rueidis | no data |",
		"| Memory Get hit allocations | median 0, worst of 2 runs 0 | = 0 | met |",
		"| cachekit | 23.00 ms | 1 | 1.00 ms | 2.00 ms | 0 |",
		"go test -bench .",
		// the lock with its fence: 300 µs vs raw's 100 µs
		"| Red lock with its fence, uncontended acquire + release, against SET NX + compare-and-delete | 3.00× (300.00 µs vs 100.00 µs) | ≤ 1.20× raw | MISSED |",
		"| memory | cachekit | 3.00 µs | — | 10 |",
		// a variant target and the allocations it adds (worst of its runs: 1)
		"| Loader.Get hit with RefreshAfter against Cache.Get hit of the same values (with a TTL), memory | 1.04× (104.0 ns vs 100.0 ns) | ≤ 1.05× cachekit-cache-get-ttl | met |",
		"| Loader.Get hit with RefreshAfter, memory: allocations beyond Cache.Get's | 1 (worst allocs/op 1 vs 0) | = 0 | MISSED |",
		"| Hot key with RefreshAfter, memory, 1 key: p99 time per Get (50 ms load, 1 s TTL) | median 3.2 µs, worst of 1 runs 3.2 µs | ≤ 5 ms | met |",
		"| store=memory, keys=1 | cachekit | 0.1 µs | 42.47 ms | 55.81 ms | 32 | 2 |",
		"| Loader cold miss on Redis: round trips before fn | median 6, worst of 1 runs 6 | ≤ 3 | MISSED |",
		"| Loader remembered miss on Redis: round trips | median 1, worst of 1 runs 1 | = 1 | met |",
		"| cold-miss | plain | 6 | 1 | 8 | 8 | 841.68 µs |",
		"| cachekit-prometheus | 500.0 ns | 5.00× | 0 B | 0 |",
		"| LoaderHit/store=memory | cachekit-refresh | cachekit-cache-get-ttl | 104.0 ns | 100.0 ns | 1.04× | 0.5 / 0 |",
		"![cachekit time over peer time](chart.svg)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("RESULTS.md lacks %q; it is:\n%s", want, md)
		}
	}
	// A window, a count, or cachekit against itself with hooks: no row
	// in the table of cachekit against each peer.
	for _, unwanted := range []string{"| HookGetHit | cachekit-prometheus |", "| LoaderHotKey/", "| LoaderRoundTrips/"} {
		if strings.Contains(md, unwanted) {
			t.Errorf("RESULTS.md has a row %q", unwanted)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "chart.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "Memory Get hit vs otter") {
		t.Errorf("chart.svg is not the chart: %.200s", svg)
	}
}

func TestReportFailsWithoutResults(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(filepath.Join(t.TempDir(), "R.md"), "", "", "short", "", []string{empty}); err == nil {
		t.Fatal("a report was written from no results")
	}
}

// A sub-benchmark run again in one pass is named "impl=cachekit#01" by go
// test: its results are samples of impl=cachekit, in the targets and in
// benchstat's input.
func TestReportCountsRoundsAsSamplesOfOneBenchmark(t *testing.T) {
	raw := writeRaw(t,
		"BenchmarkRedisParallel/GetHit/impl=cachekit-2    \t 1000\t 1000 ns/op",
		"BenchmarkRedisParallel/GetHit/impl=rueidis-2     \t 1000\t 1000 ns/op",
		"BenchmarkRedisParallel/GetHit/impl=cachekit#01-2 \t 1000\t 1020 ns/op",
		"BenchmarkRedisParallel/GetHit/impl=rueidis#01-2  \t 1000\t 1000 ns/op",
		"BenchmarkRedisParallel/GetHit/impl=cachekit#02-2 \t 1000\t 9000 ns/op",
		"BenchmarkRedisParallel/GetHit/impl=rueidis#02-2  \t 1000\t 1000 ns/op",
		"a line of test output naming #01",
	)
	files, err := sameNames([]string{raw}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), "#"); got != 1 {
		t.Errorf("benchstat's input keeps %d '#' (want only the test output's):\n%s", got, b)
	}
	// The median of the rounds' ratios 1.00, 1.02 and 9.00: one round's
	// outlier does not count, and no impl is named with its round.
	md := reportOf(t, raw, "| Redis Get hit, parallel (Cache[string, []byte], serializer.Bytes) | 1.02× (1.02 µs vs 1.00 µs) | ≤ 1.05× rueidis | met |")
	if strings.Contains(md, "#01") {
		t.Errorf("RESULTS.md names a round:\n%s", md)
	}
}

// A ratio pairs the samples taken in turn: a slow phase of the machine
// that falls on both impls of a pass cancels out, and one that falls on
// one of them is one outlying ratio. (The ratio of the medians of these
// samples, of a make bench run, is 1.15: MISSED.)
func TestReportPairsTheSamplesOfEachPass(t *testing.T) {
	raw := writeRaw(t,
		"BenchmarkMemcached/GetHit/impl=cachekit-2   \t 1000\t 74074 ns/op",
		"BenchmarkMemcached/GetHit/impl=gomemcache-2 \t 1000\t 72181 ns/op",
		"BenchmarkMemcached/GetHit/impl=gomemcache-2 \t 1000\t 45094 ns/op",
		"BenchmarkMemcached/GetHit/impl=cachekit-2   \t 1000\t 47344 ns/op",
		"BenchmarkMemcached/GetHit/impl=cachekit-2   \t 1000\t 46856 ns/op",
		"BenchmarkMemcached/GetHit/impl=gomemcache-2 \t 1000\t 46989 ns/op",
		"BenchmarkMemcached/GetHit/impl=gomemcache-2 \t 1000\t 45987 ns/op",
		"BenchmarkMemcached/GetHit/impl=cachekit-2   \t 1000\t 59123 ns/op",
	)
	// By pass: 1.026, 1.050, 0.997, 1.286; their median 1.038.
	reportOf(t, raw, "| memcached Get hit | 1.04× (53.23 µs vs 46.49 µs) | ≤ 1.10× gomemcache | met |")
}

// writeRaw writes lines of benchmark output to a file and returns its path.
func writeRaw(t *testing.T, lines ...string) string {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "bench.txt")
	text := "goos: linux\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(raw, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return raw
}

// reportOf writes the report of raw and checks that it has the line want;
// it returns the report.
func reportOf(t *testing.T, raw, want string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "RESULTS.md")
	if err := run(out, "", "cmd", "short", "", []string{raw}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if md := string(b); !strings.Contains(md, want) {
		t.Errorf("RESULTS.md lacks %q; it is:\n%s", want, md)
	}
	return string(b)
}
