// Package memory is an in-process store for package cache: a sharded hash
// table that readers search without a lock, with millisecond expiry, an
// exact size bound with a scan- and loop-resistant eviction policy, and
// per-entry versions. It implements cache.Store (bytes), cache.ValueStore
// (Go values kept as they are, with no copy and no encoding, so a
// cache.Cache without a Serializer on a memory store never encodes
// anything) and every other optional interface of cache.Store but
// Namespacer: MultiGetter, MultiSetter, Exister, Incrementer, Expirer,
// TTLGetter and Watcher (every change of a key wakes its watches at once:
// only this process holds its entries).
//
// # Reads
//
// Keys are hashed with hash/maphash (a random seed per store) onto a power
// of two number of shards, 64 by default, fewer for a small
// Options.MaxEntries (see Options.Shards). A read takes no lock and writes
// nothing shared: each shard's index is an open-addressing table whose
// slots come in groups of seven with a word of 7-bit hash tags, one
// 64-byte cache line per group (as Swiss tables, and as the CLHT-style map
// under otter and xsync), which a writer changes with atomic stores and
// replaces, when it must grow, with one atomic pointer swap. An entry holds
// its value as the two words of its interface, beside its version and
// expiry, and is read as a seqlock: a reader gets a value together with
// the version and expiry written with it, or tries again (and, if writers
// keep it busy, reads under the lock). A hit allocates nothing; its only
// write is the bump of the entry's 2-bit read counter, which stops once
// the counter is saturated, so hot keys cause no cache-line traffic
// between cores, and, while a bounded shard misses (inserts new keys), a
// count of its hits for the eviction policy's hill climber, spread over
// four counters by goroutine; a shard that stops missing stops its
// readers counting within 4096 hits. Writes take their shard's lock.
//
// # Eviction
//
// With Options.MaxEntries > 0 the store counts its entries, and a write of
// a new key into a full store evicts an entry of its own shard first (of
// another shard if its own is empty): the store holds exactly MaxEntries
// entries once full, never more, whatever the spread of keys over shards.
//
// Each shard runs W-TinyLFU (Einziger, Friedman and Manes, 2017), as
// Caffeine and otter do, on rings of entry pointers instead of linked
// lists, with its window sized as theirs by a hill climber on the hit rate:
//
//   - A new key enters the window, a FIFO queue. A key leaving it joins the
//     main space only if a count-min sketch of recent uses says it was
//     used more often than the main space's victim (TinyLFU's admission;
//     by one more use if the victim was read in the main space, so that
//     keys of a loop longer than the cache, used equally often, do not
//     replace each other endlessly); otherwise it is evicted.
//   - The main space is a segmented LRU made of two CLOCKs: a probation
//     ring, whose first entry not read since it got there is the victim
//     (one that was is promoted), and a protected ring of 80 % of the main
//     space, whose entries go back to probation when it overflows unless
//     read since they last passed.
//   - The window starts at 1 % of the shard, as W-TinyLFU's, and a hill
//     climber moves it between 1 % and 80 % (Caffeine's: a sixteenth of
//     the shard at a time, on the same way while the hit rate of a sample
//     of ten times the shard does not drop, back when it does). Its hits
//     are counted by the shard's readers while the shard misses, and only
//     then (see Reads).
//   - Keys evicted from the window are remembered, approximately, in a
//     ghost of 16-bit fingerprints. One that comes back for the first time
//     makes the window grow by one when that costs the main space little
//     (its hits are few beside such keys, or the window's entries are hit
//     twice as often): keys reused once, a fixed number of keys later,
//     miss until the window reaches that length, and the hit rate shows
//     the climber no way there. If the hit rate then drops, that growth
//     is undone and the ghost moves the window no more until the workload
//     changes.
//   - Expired entries are evicted first.
//
// Readers never touch the policy's structures: the read counter in the
// entry is all a read changes, and the policy moves what it finds there
// into the sketch, and promotes the entry, when it next looks at it. The
// queues are rings of entry pointers (8 bytes per entry, where a linked
// list costs 16 in every entry); a removed entry is left in its ring,
// marked dead, until it reaches the front.
//
// The sketch has 32 counters per entry and halves them after twenty times
// the shard's uses, twice Caffeine's: a shard sees many more keys than it
// holds, and with fewer counters, or a shorter memory, keys used equally
// often look different by collisions alone.
//
// On the traces of benchmarks/cmd/hitratio (see
// benchmarks/results/hitratio.md: LIRS loop, cs, gli, multi, sprite, ARC
// OLTP and P3, cache2k web, Corda, Scarab and Zipf, at 0.1 % to 90 % of
// their distinct keys) this keeps within a point of otter or above it in
// every cell of the public traces, and nearly the optimum of a loop at
// every size.
//
// # Expiry
//
// TTLs have nanosecond resolution (the Store contract needs milliseconds).
// An expired entry is never returned, counted or matched: every operation
// checks the expiry of the entry it touches and treats an expired one as
// absent (and removes it). Each shard also keeps its entries with a TTL in
// a min-heap by expiry time, which a background goroutine started by New
// sweeps every Options.CleanupInterval, so that expired entries that are
// never touched again do not hold memory. The heap keeps no index in the
// entries: a TTL that moves later leaves the entry's item where it is, to
// be re-filed when it comes up. Close stops that goroutine and waits for
// it.
//
// # Versions
//
// Every write gives the entry a new version, unique in the store and
// increasing for each key (a counter per shard, kept under the shard's
// lock, with the shard's index in its low bits), which GetVersion returns
// and CompareAndSwap checks: a value changed from A to B and back to A
// does not match a version read while it held the first A. Versions are
// uint64 values in a cache.Version, below 2^55: a shard's counter wraps
// after 2^55 / shards writes.
//
// # Memory
//
// An entry is 48 bytes (key, value, version and state, expiry), plus its
// key's bytes and, for a value that is not a pointer, the box the value
// came in, but for a value written by SetWord (a cache.Cache of an
// integer, float or bool type on this store writes so): that one is held
// in the entry, as its bits. A bounded shard adds, per entry of its share,
// about 11 bytes of table, 8 to 10 of queues (8 once filled, up to 10 once
// reads have moved entries between the main space's two rings), 16 of
// sketch and 2 of ghost: for 1 Mi entries of a 16-byte key and an int,
// written through a Cache, 101.7 bytes per entry in all, where otter takes
// 104.6 (BenchmarkMemoryHeap in benchmarks/). An unbounded store has no
// queues, sketch or ghost, and its table grows by doubling: 78.6 bytes.
//
// # Bytes and values
//
// The byte methods (Get, Set, ...) copy: the store never shares a byte
// slice with its caller. The word methods (GetWord, SetWord, GetWordTTL, of
// cache.WordStore and cache.WordTTLGetter) keep a value of at most eight
// bytes without pointers as its bits, with no allocation; the others read
// it as the Go value it is (GetValue boxes it). The value methods (GetValue, SetValue, ...) share:
// they return exactly what was stored. An entry written by one path can be
// read by the other: GetValue of a byte entry returns its []byte (the
// store's own, which the caller must not modify); Get of a value entry
// returns integers as decimal text and strings as their bytes, and
// reports any other Go value as an error matching cache.ErrDecode.
package memory
