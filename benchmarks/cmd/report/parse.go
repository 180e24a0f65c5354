package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Units as benchfmt tidies them.
const (
	unitTime   = "sec/op"
	unitAllocs = "allocs/op"
	unitBytes  = "B/op"
)

// base is the implementation that every other one is compared with.
const base = "cachekit"

// sampleKey names the samples of one implementation in one benchmark.
type sampleKey struct {
	bench string // the full name without "Benchmark", impl=... and GOMAXPROCS
	impl  string
}

// results are the samples of a benchmark run, by benchmark, impl and unit.
type results struct {
	benches []string            // in order of first appearance
	impls   map[string][]string // impls of each bench, in order of first appearance
	samples map[sampleKey]map[string][]float64
	config  map[string]string // file configuration (goos, goarch, cpu, pkg)
}

// readResults reads the benchmark output in the files.
func readResults(files ...string) (*results, error) {
	r := &results{
		impls:   map[string][]string{},
		samples: map[sampleKey]map[string][]float64{},
		config:  map[string]string{},
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		err = r.read(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if len(r.benches) == 0 {
		return nil, fmt.Errorf("no benchmark results in %s", strings.Join(files, ", "))
	}
	return r, nil
}

func (r *results) read(in io.Reader, name string) error {
	rd := benchfmt.NewReader(in, name)
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			continue // syntax errors are test output, not results
		}
		for _, c := range res.Config {
			if c.File {
				r.config[c.Key] = string(c.Value)
			}
		}
		k := splitName(res.Name)
		if _, seen := r.impls[k.bench]; !seen {
			r.benches = append(r.benches, k.bench)
		}
		if !slices.Contains(r.impls[k.bench], k.impl) {
			r.impls[k.bench] = append(r.impls[k.bench], k.impl)
		}
		m := r.samples[k]
		if m == nil {
			m = map[string][]float64{}
			r.samples[k] = m
		}
		for _, v := range res.Values {
			m[v.Unit] = append(m[v.Unit], v.Value)
		}
	}
	return rd.Err()
}

// splitName splits a benchmark name into the benchmark without impl and
// GOMAXPROCS, and the impl ("" when the name has none).
func splitName(n benchfmt.Name) sampleKey {
	baseName, parts := n.Parts()
	bench := strings.TrimPrefix(string(baseName), "Benchmark")
	var k sampleKey
	for _, p := range parts {
		s := string(p)
		switch {
		case strings.HasPrefix(s, "/impl="):
			k.impl = strings.TrimPrefix(s, "/impl=")
		case strings.HasPrefix(s, "-"): // GOMAXPROCS
		default:
			bench += s
		}
	}
	k.bench = bench
	return k
}

// median returns the median of the samples of impl in bench in unit.
func (r *results) median(bench, impl, unit string) (float64, bool) {
	xs := r.samples[sampleKey{bench, impl}][unit]
	if len(xs) == 0 {
		return 0, false
	}
	return median(xs), true
}

// median returns the median of xs, which is not empty.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// ratio returns impl's figure over peer's in bench: the median of the
// ratios of their samples taken in turn (the i-th of each), or, where
// they have not as many samples (a run failed), the ratio of their
// medians. run.sh's passes, and the rounds within a pass, run every impl
// of a benchmark one after the other, so the i-th samples of two impls
// were taken a few seconds apart: a slow phase of the machine that falls
// on both leaves their ratio as it is, and one that falls on one of them
// makes one outlying ratio, which the median drops. The ratio of the
// medians lost that pairing: one serial memcached Get run, by pass 1.03,
// 1.05, 1.00 and 1.29 (the last pass slow for cachekit alone, the first
// slow for both), gave 1.15.
func (r *results) ratio(bench, impl, peer, unit string) (float64, bool) {
	xs := r.samples[sampleKey{bench, impl}][unit]
	ys := r.samples[sampleKey{bench, peer}][unit]
	if len(xs) == 0 || len(xs) != len(ys) {
		return r.ratioOfMedians(bench, impl, peer, unit)
	}
	ratios := make([]float64, 0, len(xs))
	for i, x := range xs {
		if ys[i] == 0 {
			return r.ratioOfMedians(bench, impl, peer, unit)
		}
		ratios = append(ratios, x/ys[i])
	}
	return median(ratios), true
}

// ratioOfMedians returns the median of impl over the median of peer in
// bench.
func (r *results) ratioOfMedians(bench, impl, peer, unit string) (float64, bool) {
	a, ok1 := r.median(bench, impl, unit)
	b, ok2 := r.median(bench, peer, unit)
	if !ok1 || !ok2 || b == 0 {
		return 0, false
	}
	return a / b, true
}

// group returns the top-level benchmark of bench: "Memory" for
// "Memory/GetHit".
func group(bench string) string {
	g, _, _ := strings.Cut(bench, "/")
	return g
}
