package main

import (
	"fmt"
	"math"
)

// comparison is cachekit against one peer in one benchmark and unit.
type comparison struct {
	Label string // what is compared, for the targets table
	Short string // the same, for the chart
	Bench string
	Peer  string
	Unit  string
	// Max bounds cachekit ÷ peer; 0 for a comparison without a target.
	Max float64
	// Strict makes the bound exclusive: cachekit must be faster.
	Strict bool
}

// ratio returns cachekit ÷ peer in r.
func (c comparison) ratio(r *results) (float64, bool) {
	return r.ratio(c.Bench, base, c.Peer, c.Unit)
}

// goal describes the bound.
func (c comparison) goal() string {
	switch {
	case c.Max == 0:
		return "—"
	case c.Strict:
		return fmt.Sprintf("< %.2f× %s", c.Max, c.Peer)
	default:
		return fmt.Sprintf("≤ %.2f× %s", c.Max, c.Peer)
	}
}

// met reports whether ratio meets the bound.
func (c comparison) met(ratio float64) bool {
	if c.Strict {
		return ratio < c.Max
	}
	return ratio <= c.Max
}

// targetComparisons are the targets that are ratios against a peer.
var targetComparisons = []comparison{
	{"Memory Get hit (Cache[string, int], no serializer)", "Memory Get hit", "Memory/GetHit", "otter", unitTime, 1, false},
	{"Memory Get hit, parallel, 1 key", "Memory Get hit, 1 key", "MemoryGetParallel/keys=1", "otter", unitTime, 1, false},
	{"Memory Get hit, parallel, 1024 keys", "Memory Get hit, 1024 keys", "MemoryGetParallel/keys=1024", "otter", unitTime, 1, false},
	{"Memory Get hit, parallel, 65536 keys", "Memory Get hit, 65536 keys", "MemoryGetParallel/keys=65536", "otter", unitTime, 1, false},
	{"Memory Set", "Memory Set", "Memory/Set", "otter", unitTime, 1.5, false},
	{"Memory Set, parallel", "Memory Set, parallel", "MemoryParallel/Set", "otter", unitTime, 1, false},
	{"Memory heap per entry, 1 Mi string(16) → int", "Memory heap per entry", "MemoryHeap", "otter", "B/entry", 1, false},
	{"Redis Get hit, parallel (Cache[string, []byte], serializer.Bytes)", "Redis Get hit, parallel", "RedisParallel/GetHit", "rueidis", unitTime, 1.10, false},
	{"Redis Get hit, parallel, against go-redis", "Redis Get hit, parallel", "RedisParallel/GetHit", "go-redis", unitTime, 1, true},
	{"memcached Get hit", "memcached Get hit", "Memcached/GetHit", "gomemcache", unitTime, 1.10, false},
	{"memcached Get hit, parallel", "memcached Get hit, parallel", "MemcachedParallel/GetHit", "gomemcache", unitTime, 1.10, false},
	{"Stampede p99 time to value, against redsync's polling", "Stampede p99 to value", "Stampede", "redsync", "p99-ms", 1, true},
	{"Red lock, uncontended acquire + release, against SET NX + compare-and-delete", "Red lock uncontended", "RedUncontended", "raw", unitTime, 1.2, false},
}

// chartComparisons are drawn in the chart: the targets and a few more.
var chartComparisons = append(append([]comparison(nil), targetComparisons...),
	comparison{"", "Memory Get hit, parallel", "MemoryParallel/GetHit", "otter", unitTime, 0, false},
	comparison{"", "Redis Get hit", "Redis/GetHit", "rueidis", unitTime, 0, false},
	comparison{"", "Redis Cluster Get hit, parallel", "RedisClusterParallel/GetHit", "rueidis", unitTime, 0, false},
	comparison{"", "Stampede p99 to value", "Stampede", "rueidislock", "p99-ms", 0, false},
	comparison{"", "Stampede p99 to value", "Stampede", "redislock", "p99-ms", 0, false},
	comparison{"", "Red lock uncontended", "RedUncontended", "redislock", unitTime, 0, false},
	comparison{"", "Optimistic update, Redis", "Optimistic/store=redis", "go-redis-watch", unitTime, 0, false},
)

// check is one line of the targets table.
type check struct {
	Target, Measured, Goal string
	Status                 string // "met", "MISSED" or "no data"
}

// checks evaluates every target in r.
func checks(r *results) []check {
	var out []check
	for _, c := range targetComparisons {
		ch := check{Target: c.Label, Goal: c.goal(), Status: "no data", Measured: "—"}
		if x, ok := c.ratio(r); ok {
			a, _ := r.median(c.Bench, base, c.Unit)
			b, _ := r.median(c.Bench, c.Peer, c.Unit)
			ch.Measured = fmt.Sprintf("%s (%s vs %s)", formatRatio(x), formatValue(a, c.Unit), formatValue(b, c.Unit))
			ch.Status = status(c.met(x))
		}
		out = append(out, ch)
	}
	out = append(out,
		valueCheck(r, "Memory Get hit allocations", "Memory/GetHit", unitAllocs, "= 0", func(v float64) bool { return v == 0 }),
		valueCheck(r, "Stampede loader calls across three instances", "Stampede", "loads/op", "= 1", func(v float64) bool { return v == 1 }),
		valueCheck(r, "Stampede p99 time to value after the release", "Stampede", "p99-ms", "≤ 50 ms", func(v float64) bool { return v <= 50 }),
		valueCheck(r, "Stampede callers never woken", "Stampede", "stuck/op", "= 0", func(v float64) bool { return v == 0 }),
	)
	return out
}

// valueCheck checks the largest sample of cachekit in bench and unit (the
// worst one, for these lower-is-better bounds) with ok.
func valueCheck(r *results, label, bench, unit, goal string, ok func(float64) bool) check {
	ch := check{Target: label, Goal: goal, Status: "no data", Measured: "—"}
	xs := r.samples[sampleKey{bench, base}][unit]
	if len(xs) == 0 {
		return ch
	}
	worst := math.Inf(-1)
	for _, x := range xs {
		worst = max(worst, x)
	}
	med, _ := r.median(bench, base, unit)
	ch.Measured = fmt.Sprintf("median %s, worst of %d runs %s", formatValue(med, unit), len(xs), formatValue(worst, unit))
	ch.Status = status(ok(worst))
	return ch
}

func status(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
