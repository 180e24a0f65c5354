package main

import (
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// report is everything RESULTS.md shows.
type report struct {
	results   *results
	machine   machine
	command   string
	mode      string
	benchstat string   // the benchstat binary; "" to leave its tables out
	files     []string // the benchmark output files
	chart     string   // the chart's file name, relative to RESULTS.md
	date      string
}

// sections are the benchstat tables: one per top-level benchmark.
var sections = []struct{ title, bench string }{
	{"Memory, serial", "Memory"},
	{"Memory, parallel", "MemoryParallel"},
	{"Redis, serial", "Redis"},
	{"Redis, parallel", "RedisParallel"},
	{"Redis Cluster, serial", "RedisCluster"},
	{"Redis Cluster, parallel", "RedisClusterParallel"},
	{"memcached, serial", "Memcached"},
	{"memcached, parallel", "MemcachedParallel"},
	{"Memory Get, parallel, by number of keys", "MemoryGetParallel"},
	{"Memory heap per entry", "MemoryHeap"},
	{"Redis hot key", "RedisHotKey"},
	{"memcached keys: plain and namespaced", "MemcachedKeys"},
	{"Loader hit", "LoaderHit"},
	{"Loader stampede", "LoaderStampede"},
	{"Serializers: Marshal + Unmarshal", "Serializer"},
	{"Serializers through a store: Set + Get", "SerializerStore"},
	{"Red lock, uncontended", "RedUncontended"},
	{"Stampede", "Stampede"},
	{"Optimistic updates under contention", "Optimistic"},
}

func (rep *report) write(w io.Writer) error {
	p := &printer{w: w}
	r := rep.results
	p.f("# cachekit benchmarks\n\n")
	p.f("Written by `cmd/report` from the run below (%s mode, %s). Every figure is the median of the runs; ", rep.mode, rep.date)
	p.f("a ratio is cachekit's median over the peer's, so below 1 cachekit is faster. ")
	p.f("The machine has few cores, and the Redis and memcached servers run on them next to the benchmark: ")
	p.f("compare the libraries within this run, not these figures with another machine's.\n\n")

	p.f("## Machine\n\n| | |\n|---|---|\n")
	m := rep.machine
	for _, row := range [][2]string{
		{"CPU", m.CPU}, {"Cores", m.Cores}, {"OS/arch", m.GOOSARCH}, {"Go", m.Go},
		{"Redis", m.Redis}, {"memcached", m.Memcached},
	} {
		p.f("| %s | %s |\n", row[0], escape(row[1]))
	}
	p.f("\n## Command\n\n```sh\n%s\n```\n\n", rep.command)

	p.f("## Targets\n\n| Target | Measured | Bound | |\n|---|---|---|---|\n")
	for _, c := range checks(r) {
		p.f("| %s | %s | %s | %s |\n", escape(c.Target), c.Measured, c.Goal, c.Status)
	}
	if rep.chart != "" {
		p.f("\n![cachekit time over peer time](%s)\n", rep.chart)
	}

	p.f("\n## cachekit against each peer\n\n")
	p.f("| Benchmark | Peer | cachekit | Peer | cachekit ÷ peer | allocs/op cachekit / peer |\n|---|---|---|---|---|---|\n")
	for _, bench := range rep.ordered() {
		impls := r.impls[bench]
		if !slices.Contains(impls, base) || slices.Contains([]string{"Stampede"}, group(bench)) {
			continue
		}
		for _, peer := range impls {
			if peer == base {
				continue
			}
			x, ok := r.ratio(bench, base, peer, unitTime)
			if !ok {
				continue
			}
			a, _ := r.median(bench, base, unitTime)
			b, _ := r.median(bench, peer, unitTime)
			p.f("| %s | %s | %s | %s | %s | %s / %s |\n", bench, peer, formatDuration(a), formatDuration(b), formatRatio(x),
				medianOr(r, bench, base, unitAllocs), medianOr(r, bench, peer, unitAllocs))
		}
	}

	rep.variants(p)
	rep.stampede(p)
	rep.loaderStampede(p)
	rep.optimistic(p)
	rep.serializers(p)

	if rep.benchstat != "" {
		p.f("\n## benchstat\n\nThe tables of `benchstat -col /impl`, one per benchmark; the first column is the base of the others' deltas.\n")
		for _, s := range sections {
			out, err := rep.runBenchstat(s.bench)
			if err != nil {
				p.f("\n### %s\n\nbenchstat failed: %s\n", s.title, escape(err.Error()))
				continue
			}
			if strings.TrimSpace(out) == "" {
				continue
			}
			p.f("\n### %s\n\n```text\n%s\n```\n", s.title, strings.TrimRight(out, "\n"))
		}
	}
	return p.err
}

// ordered returns the benchmarks in the order of sections (the run's
// order is that of the source files), each section's in the run's order.
func (rep *report) ordered() []string {
	rank := func(bench string) int {
		for i, s := range sections {
			if s.bench == group(bench) {
				return i
			}
		}
		return len(sections)
	}
	b := slices.Clone(rep.results.benches)
	slices.SortStableFunc(b, func(x, y string) int { return rank(x) - rank(y) })
	return b
}

// stampede writes the table of BenchmarkStampede.
func (rep *report) stampede(p *printer) {
	r := rep.results
	if len(r.impls["Stampede"]) == 0 {
		return
	}
	p.f("\n## Stampede\n\n")
	p.f("32 goroutines over three store instances call Do(get; if missing {load; set}) on a new key; the load takes 20 ms. ")
	p.f("Time to value: from the end of the loader's function (value stored, release next) until a caller has the value.\n\n")
	p.f("| Library | Time per round | Loader calls | p50 time to value | p99 time to value | Callers never woken |\n|---|---|---|---|---|---|\n")
	for _, impl := range r.impls["Stampede"] {
		p.f("| %s | %s | %s | %s | %s | %s |\n", impl,
			medianOr(r, "Stampede", impl, unitTime), medianOr(r, "Stampede", impl, "loads/op"),
			medianOr(r, "Stampede", impl, "p50-ms"), medianOr(r, "Stampede", impl, "p99-ms"),
			medianOr(r, "Stampede", impl, "stuck/op"))
	}
}

// loaderStampede writes the table of BenchmarkLoaderStampede.
func (rep *report) loaderStampede(p *printer) {
	const bench = "LoaderStampede"
	r := rep.results
	if len(r.impls[bench]) == 0 {
		return
	}
	p.f("\n## Loader stampede\n\n")
	p.f("200 goroutines on each of three instances ask for one cold key on Redis; loading it takes 50 ms. ")
	p.f("Time to value: from the first call until a caller has the value.\n\n")
	p.f("| Library | Time per round | Loader calls | p50 time to value | p99 time to value | Errors |\n|---|---|---|---|---|---|\n")
	for _, impl := range r.impls[bench] {
		p.f("| %s | %s | %s | %s | %s | %s |\n", impl,
			medianOr(r, bench, impl, unitTime), medianOr(r, bench, impl, "loads/op"),
			medianOr(r, bench, impl, "p50-ms"), medianOr(r, bench, impl, "p99-ms"),
			medianOr(r, bench, impl, "errors/op"))
	}
}

// variants writes the comparisons of a cachekit implementation other than
// base with a peer (the near cache, memcached's key shapes).
func (rep *report) variants(p *printer) {
	r := rep.results
	var rows []string
	for _, c := range chartComparisons {
		if c.Impl == "" {
			continue
		}
		x, ok := c.ratio(r)
		if !ok {
			continue
		}
		a, _ := r.median(c.Bench, c.Impl, c.Unit)
		b, _ := r.median(c.Bench, c.Peer, c.Unit)
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s / %s |", c.Bench, c.Impl, c.Peer,
			formatValue(a, c.Unit), formatValue(b, c.Unit), formatRatio(x),
			medianOr(r, c.Bench, c.Impl, unitAllocs), medianOr(r, c.Bench, c.Peer, unitAllocs)))
	}
	if len(rows) == 0 {
		return
	}
	p.f("\n## cachekit variants against their peer\n\n")
	p.f("| Benchmark | cachekit | Peer | cachekit | Peer | cachekit ÷ peer | allocs/op cachekit / peer |\n|---|---|---|---|---|---|---|\n")
	p.f("%s\n", strings.Join(rows, "\n"))
}

// optimistic writes the table of BenchmarkOptimistic.
func (rep *report) optimistic(p *printer) {
	r := rep.results
	var rows []string
	for _, bench := range r.benches {
		if group(bench) != "Optimistic" {
			continue
		}
		for _, impl := range r.impls[bench] {
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s |", strings.TrimPrefix(bench, "Optimistic/store="), impl,
				medianOr(r, bench, impl, unitTime), medianOr(r, bench, impl, "updates/s"), medianOr(r, bench, impl, "attempts/op")))
		}
	}
	if len(rows) == 0 {
		return
	}
	p.f("\n## Optimistic updates under contention\n\n")
	p.f("16 goroutines increment one counter with read-modify-write updates that retry on conflict.\n\n")
	p.f("| Store | Library | Time per update | Updates per second | Reads per update |\n|---|---|---|---|---|\n")
	p.f("%s\n", strings.Join(rows, "\n"))
}

// serializers writes the table of BenchmarkSerializer and
// BenchmarkSerializerStore.
func (rep *report) serializers(p *printer) {
	r := rep.results
	var rows []string
	for _, bench := range r.benches {
		g := group(bench)
		if g != "Serializer" && g != "SerializerStore" {
			continue
		}
		for _, impl := range r.impls[bench] {
			what := "Marshal + Unmarshal"
			if g == "SerializerStore" {
				what = "Set + Get"
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", what, strings.TrimPrefix(strings.TrimPrefix(bench, g), "/"), impl,
				medianOr(r, bench, impl, unitTime), medianOr(r, bench, impl, unitAllocs), medianOr(r, "Serializer/"+sizeOf(bench), impl, "bytes/value")))
		}
	}
	if len(rows) == 0 {
		return
	}
	p.f("\n## Serializers\n\n")
	p.f("A small struct (a user record) and a 4 KiB one (an order with its lines); Bytes and String carry the JSON of the same structs.\n\n")
	p.f("| Operation | Case | Serializer | Time | allocs/op | Encoded size (B) |\n|---|---|---|---|---|---|\n")
	p.f("%s\n", strings.Join(rows, "\n"))
}

// sizeOf returns the size=... part of a serializer benchmark's name.
func sizeOf(bench string) string {
	for _, part := range strings.Split(bench, "/") {
		if strings.HasPrefix(part, "size=") {
			return part
		}
	}
	return ""
}

// runBenchstat returns benchstat's table of one top-level benchmark.
func (rep *report) runBenchstat(bench string) (string, error) {
	args := append([]string{"-col", "/impl", "-filter", ".name:" + bench}, rep.files...)
	out, err := exec.Command(rep.benchstat, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, out)
	}
	// The configuration lines repeat the Machine section.
	var kept []string
	for _, line := range strings.Split(string(out), "\n") {
		if k, _, ok := strings.Cut(line, ": "); ok && slices.Contains([]string{"goos", "goarch", "pkg", "cpu"}, k) {
			continue
		}
		kept = append(kept, line)
	}
	return strings.Join(kept, "\n"), nil
}

// medianOr formats the median of impl in bench and unit, or "—".
func medianOr(r *results, bench, impl, unit string) string {
	v, ok := r.median(bench, impl, unit)
	if !ok {
		return "—"
	}
	return formatValue(v, unit)
}

// escape makes s safe in a Markdown table cell.
func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// printer writes formatted text and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
