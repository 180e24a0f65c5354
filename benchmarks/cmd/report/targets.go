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
	// Impl is the cachekit implementation compared, where a benchmark
	// runs several (cachekit-near, cachekit-plain); "" is base.
	Impl string
}

// impl returns the cachekit implementation of c.
func (c comparison) impl() string {
	if c.Impl == "" {
		return base
	}
	return c.Impl
}

// ratio returns cachekit ÷ peer in r.
func (c comparison) ratio(r *results) (float64, bool) {
	return r.ratio(c.Bench, c.impl(), c.Peer, c.Unit)
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
	{Label: "Memory Get hit (Cache[string, int], no serializer)", Short: "Memory Get hit", Bench: "Memory/GetHit", Peer: "otter", Unit: unitTime, Max: 1.0},
	{Label: "Memory Set", Short: "Memory Set", Bench: "Memory/Set", Peer: "otter", Unit: unitTime, Max: 1.5},
	{Label: "Memory Set, parallel", Short: "Memory Set, parallel", Bench: "MemoryParallel/Set", Peer: "otter", Unit: unitTime, Max: 1.0},
	{Label: "Memory Get hit, parallel, 1 key", Short: "Memory Get, parallel, 1 key", Bench: "MemoryGetParallel/keys=1", Peer: "otter", Unit: unitTime, Max: 1.0},
	{Label: "Memory Get hit, parallel, 1024 keys", Short: "Memory Get, parallel, 1024 keys", Bench: "MemoryGetParallel/keys=1024", Peer: "otter", Unit: unitTime, Max: 1.0},
	{Label: "Memory Get hit, parallel, 65536 keys", Short: "Memory Get, parallel, 65536 keys", Bench: "MemoryGetParallel/keys=65536", Peer: "otter", Unit: unitTime, Max: 1.0},
	{Label: "Memory heap per entry, 1M string(16) → int", Short: "Memory heap per entry", Bench: "MemoryHeap", Peer: "otter", Unit: "B/entry", Max: 1.0},
	{Label: "Redis Get hit, parallel (Cache[string, []byte], serializer.Bytes)", Short: "Redis Get hit, parallel", Bench: "RedisParallel/GetHit", Peer: "rueidis", Unit: unitTime, Max: 1.05},
	{Label: "Redis Get hit, parallel, against go-redis", Short: "Redis Get hit, parallel", Bench: "RedisParallel/GetHit", Peer: "go-redis", Unit: unitTime, Max: 1, Strict: true},
	{Label: "Redis hot key without the near cache", Short: "Redis hot key", Bench: "RedisHotKey", Peer: "rueidis", Unit: unitTime, Max: 1.10},
	{Label: "Redis hot key through the near cache (ClientSideCache)", Short: "Redis hot key, near cache", Bench: "RedisHotKey", Peer: "rueidis", Unit: unitTime, Max: 0.10, Impl: "cachekit-near"},
	{Label: "memcached Get hit", Short: "memcached Get hit", Bench: "Memcached/GetHit", Peer: "gomemcache", Unit: unitTime, Max: 1.10},
	{Label: "memcached Get hit, parallel", Short: "memcached Get hit, parallel", Bench: "MemcachedParallel/GetHit", Peer: "gomemcache", Unit: unitTime, Max: 1.10},
	{Label: "memcached plain key with ':' (no namespace)", Short: "memcached plain key", Bench: "MemcachedKeys", Peer: "gomemcache-get", Unit: unitTime, Max: 1.05, Impl: "cachekit-plain"},
	{Label: "memcached namespaced key, against a raw two-key GetMulti (its floor: the generation and the entry)", Short: "memcached namespaced key", Bench: "MemcachedKeys", Peer: "gomemcache-getmulti-2", Unit: unitTime, Max: 1.10, Impl: "cachekit-namespaced"},
	{Label: "memcached namespaced key, GenerationTTL 1s", Short: "memcached namespaced, GenerationTTL", Bench: "MemcachedKeys", Peer: "gomemcache-get", Unit: unitTime, Max: 1.25, Impl: "cachekit-namespaced-genttl"},
	{Label: "Loader.Get hit against Cache.Get hit, memory", Short: "Loader hit, memory", Bench: "LoaderHit/store=memory", Peer: "cachekit-cache-get", Unit: unitTime, Max: 1.05},
	{Label: "Loader.Get hit against otter's Get with a loader, memory", Short: "Loader hit, memory", Bench: "LoaderHit/store=memory", Peer: "otter", Unit: unitTime, Max: 1.0},
	{Label: "Loader.Get hit against Cache.Get hit, Redis", Short: "Loader hit, Redis", Bench: "LoaderHit/store=redis", Peer: "cachekit-cache-get", Unit: unitTime, Max: 1.05},
	// The loader with RefreshAfter writes values with a TTL, whose reads
	// check the clock: its reference reads the same values.
	{Label: "Loader.Get hit with RefreshAfter against Cache.Get hit of the same values (with a TTL), memory", Short: "Loader hit, RefreshAfter, memory", Bench: "LoaderHit/store=memory", Peer: "cachekit-cache-get-ttl", Unit: unitTime, Max: 1.05, Impl: "cachekit-refresh"},
	{Label: "Loader.Get hit with RefreshAfter against Cache.Get hit, Redis", Short: "Loader hit, RefreshAfter, Redis", Bench: "LoaderHit/store=redis", Peer: "cachekit-cache-get", Unit: unitTime, Max: 1.10, Impl: "cachekit-refresh"},
	{Label: "Stampede p99 time to value, against redsync's polling", Short: "Stampede p99 to value", Bench: "Stampede", Peer: "redsync", Unit: "p99-ms", Max: 1, Strict: true},
	{Label: "Red lock with its fence, uncontended acquire + release, against SET NX + compare-and-delete", Short: "Red lock uncontended", Bench: "RedUncontended/store=redis", Peer: "raw", Unit: unitTime, Max: 1.2},
}

// chartComparisons are drawn in the chart: the targets and a few more.
var chartComparisons = append(append([]comparison(nil), targetComparisons...),
	comparison{Short: "Memory Get hit, parallel", Bench: "MemoryParallel/GetHit", Peer: "otter", Unit: unitTime},
	comparison{Short: "Redis Get hit", Bench: "Redis/GetHit", Peer: "rueidis", Unit: unitTime},
	comparison{Short: "Redis Cluster Get hit, parallel", Bench: "RedisClusterParallel/GetHit", Peer: "rueidis", Unit: unitTime},
	comparison{Short: "Redis hot key, near cache", Bench: "RedisHotKey", Peer: "rueidis-docache", Unit: unitTime, Impl: "cachekit-near"},
	comparison{Short: "Loader stampede p99 to value", Bench: "LoaderStampede", Peer: "go-redis-cache-once", Unit: "p99-ms"},
	comparison{Short: "Loader stampede p99 to value", Bench: "LoaderStampede", Peer: "rueidisaside", Unit: "p99-ms"},
	comparison{Short: "Stampede p99 to value", Bench: "Stampede", Peer: "rueidislock", Unit: "p99-ms"},
	comparison{Short: "Stampede p99 to value", Bench: "Stampede", Peer: "redislock", Unit: "p99-ms"},
	comparison{Short: "Red lock uncontended", Bench: "RedUncontended/store=redis", Peer: "raw-fenced", Unit: unitTime},
	comparison{Short: "Red lock uncontended", Bench: "RedUncontended/store=redis", Peer: "redislock", Unit: unitTime},
	comparison{Short: "Red lock uncontended, memcached", Bench: "RedUncontended/store=memcached", Peer: "raw", Unit: unitTime},
	comparison{Short: "Loader hit, production options, memory", Bench: "LoaderHit/store=memory", Peer: "cachekit-cache-get-ttl", Unit: unitTime, Impl: "cachekit-production"},
	comparison{Short: "Loader hit, production options, Redis", Bench: "LoaderHit/store=redis", Peer: "cachekit-cache-get", Unit: unitTime, Impl: "cachekit-production"},
	comparison{Short: "Optimistic update, Redis", Bench: "Optimistic/store=redis", Peer: "go-redis-watch", Unit: unitTime},
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
			a, _ := r.median(c.Bench, c.impl(), c.Unit)
			b, _ := r.median(c.Bench, c.Peer, c.Unit)
			ch.Measured = fmt.Sprintf("%s (%s vs %s)", formatRatio(x), formatValue(a, c.Unit), formatValue(b, c.Unit))
			ch.Status = status(c.met(x))
		}
		out = append(out, ch)
	}
	out = append(out,
		valueCheck(r, "Memory Get hit allocations", "Memory/GetHit", base, unitAllocs, "= 0", func(v float64) bool { return v == 0 }),
		extraCheck(r, "Loader.Get hit with RefreshAfter, memory: allocations beyond Cache.Get's", "LoaderHit/store=memory", "cachekit-refresh", "cachekit-cache-get-ttl", unitAllocs),
		valueCheck(r, "Stampede loader calls across three instances", "Stampede", base, "loads/op", "= 1", func(v float64) bool { return v == 1 }),
		valueCheck(r, "Stampede p99 time to value after the release", "Stampede", base, "p99-ms", "≤ 50 ms", func(v float64) bool { return v <= 50 }),
		valueCheck(r, "Stampede callers never woken", "Stampede", base, "stuck/op", "= 0", func(v float64) bool { return v == 0 }),
		valueCheck(r, "Loader stampede, 200 × 3 instances, 50 ms load: loader calls", "LoaderStampede", base, "loads/op", "= 1", func(v float64) bool { return v == 1 }),
		valueCheck(r, "Loader stampede p99 time to value", "LoaderStampede", base, "p99-ms", "≤ 55 ms", func(v float64) bool { return v <= 55 }),
		valueCheck(r, "Hot key with RefreshAfter, memory, 1 key: p99 time per Get (50 ms load, 1 s TTL)", "LoaderHotKey/store=memory/keys=1", "cachekit-refresh", "p99-ms", "≤ 5 ms", atMost(5)),
		valueCheck(r, "Hot key with RefreshAfter, memory, 8 keys: p99 time per Get", "LoaderHotKey/store=memory/keys=8", "cachekit-refresh", "p99-ms", "≤ 5 ms", atMost(5)),
		valueCheck(r, "Hot key with RefreshAfter, Redis, 1 key: p99 time per Get", "LoaderHotKey/store=redis/keys=1", "cachekit-refresh", "p99-ms", "≤ 5 ms", atMost(5)),
		valueCheck(r, "Hot key with RefreshAfter, Redis, 8 keys: p99 time per Get", "LoaderHotKey/store=redis/keys=8", "cachekit-refresh", "p99-ms", "≤ 5 ms", atMost(5)),
		valueCheck(r, "Loader cold miss on Redis: round trips before fn", "LoaderRoundTrips/case=cold-miss/opts=plain", base, "before-fn/op", "≤ 3", atMost(3)),
		valueCheck(r, "Loader cold miss on Redis with MissTTL: round trips before fn", "LoaderRoundTrips/case=cold-miss/opts=missttl", base, "before-fn/op", "≤ 3", atMost(3)),
		valueCheck(r, "Loader cold miss on Redis: round trips after fn, before the release", "LoaderRoundTrips/case=cold-miss/opts=plain", base, "after-fn/op", "≤ 1", atMost(1)),
		valueCheck(r, "Loader remembered miss on Redis: round trips", "LoaderRoundTrips/case=remembered-miss/opts=missttl", base, "round-trips/op", "= 1", func(v float64) bool { return v == 1 }),
	)
	return out
}

// atMost returns the bound v ≤ limit.
func atMost(limit float64) func(float64) bool {
	return func(v float64) bool { return v <= limit }
}

// worst returns the largest sample of impl in bench and unit (the worst
// one, for lower-is-better bounds).
func (r *results) worst(bench, impl, unit string) (float64, bool) {
	xs := r.samples[sampleKey{bench, impl}][unit]
	if len(xs) == 0 {
		return 0, false
	}
	w := math.Inf(-1)
	for _, x := range xs {
		w = max(w, x)
	}
	return w, true
}

// extraCheck checks that the worst sample of impl in bench and unit is no
// more than the worst of peer's: what impl adds to peer is 0.
func extraCheck(r *results, label, bench, impl, peer, unit string) check {
	ch := check{Target: label, Goal: "= 0", Status: "no data", Measured: "—"}
	a, ok1 := r.worst(bench, impl, unit)
	b, ok2 := r.worst(bench, peer, unit)
	if !ok1 || !ok2 {
		return ch
	}
	ch.Measured = fmt.Sprintf("%s (worst %s %s vs %s)", formatValue(a-b, unit), unit, formatValue(a, unit), formatValue(b, unit))
	ch.Status = status(a <= b)
	return ch
}

// valueCheck checks the largest sample of impl in bench and unit (the
// worst one, for these lower-is-better bounds) with ok.
func valueCheck(r *results, label, bench, impl, unit, goal string, ok func(float64) bool) check {
	ch := check{Target: label, Goal: goal, Status: "no data", Measured: "—"}
	worst, found := r.worst(bench, impl, unit)
	if !found {
		return ch
	}
	xs := r.samples[sampleKey{bench, impl}][unit]
	med, _ := r.median(bench, impl, unit)
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
