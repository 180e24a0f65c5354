// Command hitratio replays cache traces single-threaded (a get and, on a
// miss, a set) against cachekit's memory store, otter, an LRU and Bélády's
// optimum, and prints their hit ratios in percent as a Markdown table:
// one row per trace and capacity, the capacities a percentage of the
// trace's distinct keys.
//
//	go run ./cmd/hitratio lirs:../../shared/traces/lirs/loop.trace.gz \
//		arc:../../shared/traces/arc/oltp.gz
//
// Each argument is format:path, format one of lirs (a block number per
// line), arc (ARC's "start count _ _" lines) or u64 (big-endian 8-byte
// keys); a .gz file is gunzipped. With -zipf, four synthetic traces come
// first: Zipf 0.8 and 0.99 over 1M keys, 2M requests, each also with
// one-time scans (after every 20000 requests, 5000 keys never used again).
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

func main() {
	var (
		pct      = flag.String("pct", "0.1,1,10,25", "capacities, in percent of each trace's distinct keys")
		columns  = flag.String("p", "cachekit,otter,lru,optimum", "policies: cachekit, cachekit1 (one shard), otter, lru, optimum")
		synth    = flag.Bool("zipf", true, "replay the synthetic Zipf traces too")
		minCap   = flag.Int("min", 10, "skip capacities below this")
		parallel = flag.Int("j", 2, "policies replayed at once")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: hitratio [flags] format:path...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	var ps []policy
	for _, name := range strings.Split(*columns, ",") {
		p, ok := policies[name]
		if !ok {
			fatal(fmt.Errorf("unknown policy %q", name))
		}
		ps = append(ps, p)
	}
	var percents []float64
	for _, s := range strings.Split(*pct, ",") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fatal(err)
		}
		percents = append(percents, f)
	}

	var traces []func() (trace, error)
	if *synth {
		for _, theta := range []float64{0.8, 0.99} {
			name := "zipf" + strconv.FormatFloat(theta, 'f', -1, 64)
			traces = append(traces,
				func() (trace, error) { return trace{name, zipf(1_000_000, 2_000_000, theta, 1)}, nil },
				func() (trace, error) {
					return trace{name + "+scans", withScans(zipf(1_000_000, 2_000_000, theta, 1), 20_000, 5_000)}, nil
				})
		}
	}
	for _, spec := range flag.Args() {
		traces = append(traces, func() (trace, error) { return load(spec) })
	}

	fmt.Printf("| trace | capacity |")
	for _, p := range ps {
		fmt.Printf(" %s |", p.name)
	}
	fmt.Printf("\n|---|---:|%s\n", strings.Repeat("---:|", len(ps)))
	for _, loadTrace := range traces {
		t, err := loadTrace()
		if err != nil {
			fatal(err)
		}
		keys := keyNames(t.keys)
		d := distinct(t.keys)
		caps := map[int]bool{}
		for _, f := range percents {
			if c := int(float64(d) * f / 100); c >= *minCap {
				caps[c] = true
			}
		}
		sorted := make([]int, 0, len(caps))
		for c := range caps {
			sorted = append(sorted, c)
		}
		sort.Ints(sorted)
		for _, c := range sorted {
			ratios := make([]float64, len(ps))
			var wg sync.WaitGroup
			sem := make(chan struct{}, max(*parallel, 1))
			for i, p := range ps {
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					ratios[i] = p.run(keys, c)
				})
			}
			wg.Wait()
			fmt.Printf("| %s | %d |", t.name, c)
			for _, r := range ratios {
				fmt.Printf(" %.2f |", r)
			}
			fmt.Println()
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "hitratio:", err)
	os.Exit(1)
}
