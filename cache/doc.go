// Package cache is a typed cache over pluggable stores.
//
// A Cache[K, V] keeps values V under keys K in a Store: the in-process
// memory store (package memory), Redis standalone or Cluster (package
// rueidis) or memcached (package memcache). Every store behaves the same
// way, and package cache/cachetest checks that it does.
//
// # Stores
//
// A Store has nine required methods; what a backend can do beyond them it
// says by implementing optional interfaces (MultiGetter, MultiSetter,
// Exister, Incrementer, Expirer, Extender, Fencer, TTLGetter,
// MultiTTLGetter, MultiVersionGetter, Watcher, Namespacer, ValueStore,
// ValueTTLGetter, WordStore, WordTTLGetter), which New looks for once.
// Where one is missing the Cache falls back on the required methods
// (MultiGet reads key by key, Expire rewrites the value, a waiter polls),
// or, for Increment, which could not keep the key's expiry that way, fails
// with errors.ErrUnsupported.
//
//	store := memory.New(memory.Options{MaxEntries: 100_000})
//	defer store.Close()
//	users := cache.Must(cache.New(store, cache.Options[int, User]{
//		Namespace: "users",
//		TTL:       time.Hour,
//	}))
//	err := users.Set(ctx, 42, User{Name: "Ada"})
//	u, found, err := users.Get(ctx, 42)
//
// # Keys
//
// The backend key of key is Namespace + ":" + KeyFunc(key), or
// KeyFunc(key) without a namespace; Cache.Key returns it. The default
// KeyFunc keeps strings as they are, writes integers in decimal, uses
// String for a fmt.Stringer, and writes structs and arrays with their
// strings quoted, so that distinct keys never share a backend key
// ({"a b" "c"} and {"a" "b c"}); New refuses key types that hold a
// pointer, a channel or an interface unless Options.KeyFunc is set.
// Clear removes the keys of the cache's
// namespace only, and everything when the namespace is empty.
//
// # Values
//
// A Serializer turns values into bytes (package serializer has JSON,
// msgpack, gob, strings and bytes). With no serializer, a store that can
// hold Go values (a ValueStore: the memory store) keeps them as they are,
// with no encoding or copy: a Get hit then allocates nothing, and the
// value read is the very value written (change it and you change the
// cache; see Options.Serializer). Other stores keep a []byte or string as
// its bytes and anything else as JSON. Bytes that a serializer cannot decode are an error matching
// ErrDecode that names the key, never a zero or wrong value.
//
// # Expiry
//
// Writes expire after TTL(d) if given, else after Options.TTL; 0 never
// expires, and a write without a TTL replaces any earlier expiry. Memory
// and Redis keep millisecond precision; memcached counts whole seconds and
// rounds up.
//
// # Errors
//
// Match errors with errors.Is: ErrExists (Add of a present key),
// ErrNotInteger (Increment of a value that is not a decimal integer),
// ErrDecode, ErrInvalidKey, ErrInvalidTTL, ErrTooLarge (a value over the
// store's limit, such as memcached's item size), ErrClosed (an operation
// after the store's Close) and ErrInvalidUse (a nil context, a Cache not
// made by New). A cancelled or expired ctx gives an error matching
// ctx.Err(). A miss is not an error: Get returns found == false.
//
// # Hooks
//
// Options.Hooks observe every operation (see Event); package hook has
// hit/miss counting and timing, and the modules
// github.com/cachekit/cachekit/contrib/otel and contrib/prometheus export
// metrics and spans. A StartHook is also told when an operation begins,
// and the context it returns goes down to the store, so that a client's
// spans nest under the cache's. A cache without hooks does not read the
// clock.
//
// # Built on a cache
//
// Package lock builds two locks on a Cache: lock.Red, a lease lock against
// cache stampedes, on an Entry (a raw entry beside a key: Add,
// CompareAndDelete, CompareAndExpire and a watch of the store), and
// lock.Optimistic, a compare-and-set lock, on Cache.GetVersion and
// Cache.CompareAndSwap. Package loader reads with Cache.Probe (a value,
// its TTL and the entry beside it in one round trip) and keeps the marks
// of remembered misses in Entries. Both report their own operations to
// the cache's hooks with Cache.Begin and Cache.End.
package cache
