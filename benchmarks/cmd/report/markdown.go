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
	{"Loader hot key under continuous load", "LoaderHotKey"},
	{"Loader round trips on Redis", "LoaderRoundTrips"},
	{"Hooks: memory Get hit", "HookGetHit"},
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
	p.f("a ratio is the median of cachekit's figure over the peer's in each run (each pass, and each round of a pass, runs them one after the other), so below 1 cachekit is faster. ")
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
		if !slices.Contains(impls, base) || slices.Contains(ownTables, group(bench)) {
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
	rep.hooks(p)
	rep.locks(p)
	rep.stampede(p)
	rep.loaderStampede(p)
	rep.hotKey(p)
	rep.roundTrips(p)
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

// ownTables are the benchmarks left out of the table of cachekit against
// each peer: their time per op is a round or a window, not an operation,
// or their other impls are cachekit itself (with hooks); tables of their
// own show them.
var ownTables = []string{"Stampede", "LoaderHotKey", "LoaderRoundTrips", "HookGetHit"}

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

// hooks writes the table of BenchmarkHookGetHit: each set of hooks
// against none.
func (rep *report) hooks(p *printer) {
	const bench = "HookGetHit"
	r := rep.results
	if len(r.impls[bench]) == 0 {
		return
	}
	p.f("\n## Hooks: a memory Get hit\n\n")
	p.f("A `Cache[string, int]` on the memory store (no namespace, no serializer), read serially, with each set of hooks: ")
	p.f("none (cachekit), an empty `cache.HookFunc` (the cost of the cache's two clock reads, which any hook brings), ")
	p.f("contrib/otel's Hook on the SDK's MeterProvider (spans off; unsampled spans; every span sampled, batched to an exporter that drops them), ")
	p.f("contrib/prometheus' Collector.\n\n")
	p.f("| Hooks | Time | ÷ no hook | B/op | allocs/op |\n|---|---|---|---|---|\n")
	for _, impl := range r.impls[bench] {
		ratio := "—"
		if x, ok := r.ratio(bench, impl, base, unitTime); ok {
			ratio = formatRatio(x)
		}
		p.f("| %s | %s | %s | %s | %s |\n", impl, medianOr(r, bench, impl, unitTime), ratio,
			medianOr(r, bench, impl, unitBytes), medianOr(r, bench, impl, unitAllocs))
	}
}

// locks writes the table of BenchmarkRedUncontended: every lock on every
// store, against cachekit's on the same store.
func (rep *report) locks(p *printer) {
	r := rep.results
	var rows []string
	for _, bench := range rep.ordered() {
		if group(bench) != "RedUncontended" {
			continue
		}
		for _, impl := range r.impls[bench] {
			ratio := "—"
			if x, ok := r.ratio(bench, base, impl, unitTime); ok && impl != base {
				ratio = formatRatio(x)
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s |", strings.TrimPrefix(bench, "RedUncontended/store="), impl,
				medianOr(r, bench, impl, unitTime), ratio, medianOr(r, bench, impl, unitAllocs)))
		}
	}
	if len(rows) == 0 {
		return
	}
	p.f("\n## Red lock, uncontended, by store\n\n")
	p.f("Acquire and release a free lock, serially; every acquisition of lock.Red draws a fencing token. ")
	p.f("raw: SET NX PX + a compare-and-delete script (Redis), add + delete (memcached: the floor, not a correct lock); ")
	p.f("raw-fenced: SET NX PX and INCR in one script + compare-and-delete.\n\n")
	p.f("| Store | Library | Time | cachekit ÷ it | allocs/op |\n|---|---|---|---|---|\n")
	p.f("%s\n", strings.Join(rows, "\n"))
}

// hotKey writes the table of BenchmarkLoaderHotKey.
func (rep *report) hotKey(p *printer) {
	r := rep.results
	var rows []string
	for _, bench := range rep.ordered() {
		if group(bench) != "LoaderHotKey" {
			continue
		}
		where := strings.ReplaceAll(strings.TrimPrefix(bench, "LoaderHotKey/"), "/", ", ")
		for _, impl := range r.impls[bench] {
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |", where, impl,
				medianOr(r, bench, impl, "p50-ms"), medianOr(r, bench, impl, "p99-ms"), medianOr(r, bench, impl, "max-ms"),
				medianOr(r, bench, impl, "waited/op"), medianOr(r, bench, impl, "loads/op")))
		}
	}
	if len(rows) == 0 {
		return
	}
	p.f("\n## Loader hot key under continuous load\n\n")
	p.f("8 readers per core each Get one hot key (or one of 8) every millisecond for 3 s (one op); a load takes 50 ms and values live 1 s. ")
	p.f("Without refresh-ahead, each expiry makes the next 50 ms of requests wait; with it (-refresh: RefreshAfter 700 ms, otter's RefreshCalculator, sturdyc's early refreshes), ")
	p.f("a Get of an older value returns it and reloads in the background. ")
	p.f("Times per Get count the requests a waiting reader would have sent (coordinated omission); waited: Gets of 25 ms or more per op; loads: per op.\n\n")
	p.f("| Store, keys | Library | p50 | p99 | max | Waited | Loads |\n|---|---|---|---|---|---|---|\n")
	p.f("%s\n", strings.Join(rows, "\n"))
}

// roundTrips writes the table of BenchmarkLoaderRoundTrips.
func (rep *report) roundTrips(p *printer) {
	r := rep.results
	var rows []string
	for _, bench := range rep.ordered() {
		if group(bench) != "LoaderRoundTrips" {
			continue
		}
		what := strings.TrimPrefix(bench, "LoaderRoundTrips/")
		c, opts, _ := strings.Cut(what, "/")
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |", strings.TrimPrefix(c, "case="), strings.TrimPrefix(opts, "opts="),
			medianOr(r, bench, base, "before-fn/op"), medianOr(r, bench, base, "after-fn/op"),
			medianOr(r, bench, base, "round-trips/op"), medianOr(r, bench, base, "commands/op"), medianOr(r, bench, base, unitTime)))
	}
	if len(rows) == 0 {
		return
	}
	p.f("\n## Loader round trips on Redis\n\n")
	p.f("The Do and DoMulti calls of one Loader.Get (a DoMulti, a pipeline, is one round trip). ")
	p.f("Before fn: until fn runs; after fn: from fn's return to the lock's release, which the callers wait for; ")
	p.f("in all: the release included. Options: plain (none), missttl (MissTTL), production (examples/httpservice's: RefreshAfter, StaleFor, MissTTL, FailOpen, StoreTimeout). ")
	p.f("A cold miss is a new key; a miss loaded before, a key whose value is gone but whose lock was taken before.\n\n")
	p.f("| Case | Options | Before fn | After fn | In all | Commands | Time |\n|---|---|---|---|---|---|---|\n")
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
