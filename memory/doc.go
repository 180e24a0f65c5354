// Package memory is an in-process store for package cache: a sharded hash
// map with millisecond expiry, a scan-resistant size bound and per-entry
// versions. It implements cache.Store (bytes), cache.ValueStore (Go values
// kept as they are, with no copy and no encoding, so a cache.Cache without
// a Serializer on a memory store never encodes anything) and every other
// optional interface of cache.Store but Namespacer: MultiGetter,
// MultiSetter, Exister, Incrementer, Expirer and Watcher (every change of a
// key wakes its watches at once: only this process holds its entries).
//
// # Sharding
//
// Keys are hashed with hash/maphash (a random seed per store) onto a power
// of two number of shards, 64 by default (fewer for a small
// Options.MaxEntries, see Options.Shards). Each shard is a Go map guarded by
// its own sync.RWMutex: reads take the read lock, so readers of one shard do
// not exclude each other, and writers of different shards never meet.
//
// # Eviction
//
// With Options.MaxEntries > 0 every shard owns an equal part of the bound
// (the parts add up to MaxEntries exactly), so the store never holds more
// than MaxEntries entries; a shard evicts when it is full, even if other
// shards have room. Each shard runs S3-FIFO (Yang et al., SOSP 2023): new
// keys enter a small FIFO queue (10% of the shard); a key read again while
// there moves to the main FIFO queue when it reaches the queue's end, and a
// key that was not is evicted and remembered in a ghost queue of key hashes.
// A key that comes back while its hash is in the ghost queue goes straight
// to the main queue. The main queue is a CLOCK: an entry at its end that was
// read since it last got there goes round again, others are evicted.
// Because a read only bumps a small saturating counter in the entry (an
// atomic add, skipped once the counter is at its cap), reads need no write
// lock and one-hit keys, such as those of a scan, cannot push out keys that
// are read often. Expired entries are always evicted first.
//
// # Expiry
//
// TTLs have nanosecond resolution (the Store contract needs milliseconds).
// An expired entry is never returned, counted or matched: every operation
// checks the expiry of the entry it touches and treats an expired one as
// absent (and removes it). Each shard also keeps its entries with a TTL in a
// min-heap by expiry time, which a background goroutine started by New
// sweeps every Options.CleanupInterval, so that expired entries that are
// never touched again do not hold memory. Close stops that goroutine and
// waits for it.
//
// # Versions
//
// Every write gives the entry a new version, unique in the store and
// increasing for each key (a counter per shard, kept under the shard's lock,
// with the shard's index in its low bits), which GetVersion returns and
// CompareAndSwap checks: a value changed from A to B and back to A does not match a
// version read while it held the first A. Versions are uint64 values in a
// cache.Version.
//
// # Bytes and values
//
// The byte methods (Get, Set, ...) copy: the store never shares a byte
// slice with its caller. The value methods (GetValue, SetValue, ...) share:
// they return exactly what was stored. An entry written by one path can be
// read by the other: GetValue of a byte entry returns its []byte (the
// store's own, which the caller must not modify); Get of a
// value entry returns integers as decimal text and strings as their bytes,
// and reports any other Go value as an error matching cache.ErrDecode.
package memory
