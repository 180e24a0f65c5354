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
// between cores. Writes take their shard's lock.
//
// # Eviction
//
// With Options.MaxEntries > 0 the store counts its entries, and a write of
// a new key into a full store evicts an entry of its own shard first (of
// another shard if its own is empty): the store holds exactly MaxEntries
// entries once full, never more, whatever the spread of keys over shards.
//
// Each shard runs S3-FIFO (Yang et al., SOSP 2023) with TinyLFU admission
// (Einziger et al., 2017) and a small queue sized by its ghosts, as ARC
// sizes its lists (Megiddo and Modha, FAST 2003):
//
//   - A new key enters the small FIFO queue. A key read while there moves
//     to the main queue when it reaches the front (S3-FIFO's "evict early,
//     promote late"), which makes one-time keys such as a scan's cheap to
//     drop.
//   - The main queue is a CLOCK: an entry at its front that was read since
//     it was last there goes round again with one read taken; the first
//     that was not is the victim.
//   - A never-read key at the front of the small queue is evicted, unless
//     a count-min sketch of recent uses says it was used more often than
//     the main queue's victim (by a margin, so that keys of equal
//     popularity do not replace each other endlessly); it then takes the
//     victim's place. This is what keeps part of a loop longer than the
//     cache in it, where S3-FIFO, FIFO and LRU keep none.
//   - Keys evicted from either queue are remembered, approximately, in a
//     ghost of 16-bit fingerprints. A key that comes back while remembered
//     from the small queue goes to the main queue if it beats the victim,
//     and the small queue grows by one entry: it was too short for that
//     key. One remembered from the main queue makes the small queue shrink
//     by one. The small queue starts at 1% of the shard, as W-TinyLFU's
//     window does, and stays between 1% and 80%.
//   - Expired entries are evicted first.
//
// Readers never touch the policy's structures: the read counter in the
// entry is all a read changes, and the policy moves what it finds there
// into the sketch when it next looks at the entry. The queues are rings of
// entry pointers (8 bytes per entry, where a linked list costs 16 in every
// entry); a removed entry is left in its ring, marked dead, until it
// reaches the front.
//
// On the traces of benchmarks/cmd/hitratio (LIRS loop, cs and gli, ARC
// OLTP and P3, Corda, Scarab, and Zipf 0.8 and 0.99 with and without
// scans, at 0.1% to 25% of their distinct keys) this is within a point of
// otter's W-TinyLFU or above it in all but two cells (OLTP at 0.1% and P3
// at 10%, 1.5 and 1.7 points below), and keeps nearly the optimum of a
// loop, where S3-FIFO keeps nothing. Where S3-FIFO beats otter (Zipf,
// OLTP, Scarab, Corda: by up to 10 points) it stays within 0.9 points of
// S3-FIFO; on the P3 workstation trace it is up to 4.4 points below it.
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
// uint64 values in a cache.Version, below 2^56: a shard's counter wraps
// after 2^56 / shards writes.
//
// # Memory
//
// An entry is 48 bytes (key, value, version and state, expiry), plus its
// key's bytes and, for a value that is not a pointer, the box the value
// came in. A bounded shard adds, per entry of its share, about 11 bytes of
// table, 8 of main queue, 8 of sketch and 3 of ghosts: for 1 Mi entries of
// a 16-byte key and an int, 103 bytes per entry in all, where otter takes
// 105 (BenchmarkMemoryHeap in benchmarks/). An unbounded store has no
// queues, sketch or ghosts, and its table grows by doubling: 87 bytes.
//
// # Bytes and values
//
// The byte methods (Get, Set, ...) copy: the store never shares a byte
// slice with its caller. The value methods (GetValue, SetValue, ...) share:
// they return exactly what was stored. An entry written by one path can be
// read by the other: GetValue of a byte entry returns its []byte (the
// store's own, which the caller must not modify); Get of a value entry
// returns integers as decimal text and strings as their bytes, and
// reports any other Go value as an error matching cache.ErrDecode.
package memory
