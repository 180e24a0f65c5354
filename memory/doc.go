// Package memory is an in-process store for package cache: a sharded hash
// table that readers search without a lock, with millisecond expiry, an
// exact size bound with a scan-resistant eviction policy, and
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
// Each shard runs S3-FIFO (Yang et al., SOSP 2023): new keys enter a
// small FIFO queue (10% of the shard); a key read again while there moves
// to the main queue when it reaches the queue's front, and a key that was
// not is evicted and remembered in a ghost of 16-bit fingerprints. A key
// that comes back while remembered goes straight to the main queue. The
// main queue is a CLOCK: an entry at its front that was read since it last
// got there goes round again, others are evicted. Expired entries are
// always evicted first. Readers never touch the policy's structures: the
// read counter in the entry is all a read changes. The queues are rings of
// entry pointers (8 bytes per entry, where a linked list costs 16 in every
// entry); a removed entry is left in its ring, marked dead, until it
// reaches the front.
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
// table, 8 of main queue and 2 of ghost. An unbounded store has no queues
// or ghost, and its table grows by doubling.
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
