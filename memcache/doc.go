// Package memcache is a cache.Store over memcached, through the client of
// github.com/bradfitz/gomemcache/memcache.
//
//	client := memcache.New("127.0.0.1:11211") // gomemcache
//	store := ckmemcache.New(client, ckmemcache.Options{})
//	defer store.Close()
//	c, err := cache.New(store, cache.Options[string, int]{Namespace: "users"})
//
// # Keys
//
// memcached refuses the empty key, keys over 250 bytes and keys with a
// control character, a space or DEL. Such keys still work here: they are
// stored under "ck~" + the first 48 bytes of the key (control characters,
// spaces, DEL and non-ASCII bytes replaced by '_', so that it stays
// readable in memcached's tools) + "~" + the base64url SHA-256 of a tag of
// the key's kind and the whole key: at most 95 bytes. Keys that memcached accepts are stored as they are, except
// those that start with "ck~", which are hashed the same way, so that a
// hashed key or one of the store's own entries never equals a key stored
// as it is. Two keys share an entry only if SHA-256 collides.
//
// # Namespaces
//
// memcached cannot list or delete keys by prefix, so the Store keeps the
// keys of a namespace its own way: it is a cache.Namespacer, and a
// cache.Cache with a Namespace runs on the Store that Namespace(ns)
// returns. There, each namespace has a generation: a random 64-bit number
// kept in memcached in an entry of the store's own, and every key of the
// namespace is stored as "namespace:generation:key" (then mapped as
// above). Clear of a namespace writes a new random generation: the
// entries of the old one can no longer be reached, and memcached reclaims
// them as they expire or age out of its memory. Other namespaces
// ("foobar" when "foo" is cleared) and the keys of the store itself are
// not touched. Clear("") flushes every server of the client.
//
// A generation is random, not counted, so that an evicted generation entry
// can never bring old entries back: the namespace then gets a fresh
// generation on its next write, and its earlier entries stay unreachable,
// as if cleared.
//
// The keys of the Store of New, those of a Cache without a Namespace, are
// stored as they are, ':' or not: "user:42" is the memcached key
// "user:42", one round trip to read or write, readable and writable by
// any other memcached client. (Only a key that memcached refuses, one that
// starts with "ck~", or one shaped like a namespaced key, "name:" and 16
// hex digits and ":", is hashed.)
//
// Costs in round trips: Get and Set of a key of the Store of New, one.
// Reads of a namespaced key (Get, Exists, MultiGet) fetch the generation
// and the key at the generation last seen together, one round trip unless
// the generation changed; with Options.GenerationTTL, a read within that
// time of the last check of the generation is a get of the key alone, at
// the price of seeing another instance's Clear up to that late. Writes of
// a namespaced key read the generation
// first (creating it if missing) in the same call, two round trips: a
// generation is never taken from an earlier call, so that no write lands
// in a namespace cleared before it began.
//
// # Expiry
//
// memcached counts expiry in whole seconds, and its clock moves in
// one-second ticks: an entry given n seconds expires at the n-th tick after
// its write, between n-1 and n seconds later. So that an entry lives at
// least its TTL, a positive TTL is rounded up to whole seconds, plus one:
// an entry with a TTL of 300ms or 1s lives more than 1 and at most 2
// seconds; one with 2.5s, more than 3 and at most 4. A positive TTL is
// never sent as 0, which memcached reads as "never expire". TTLs over 30
// days are sent as an absolute Unix time, as memcached requires (which
// relies on the client's and the server's clocks agreeing); absolute times
// stop at January 2038, as memcached's protocol takes a 32-bit time.
//
// memcached does not tell how long an entry has left, so every write
// records the entry's deadline in its flags (Unix seconds, 0 for none);
// Increment and Expire read it to rewrite an entry without changing, or
// while changing, its expiry. A rewrite that keeps the expiry sends the
// recorded deadline as an absolute time, which memcached maps onto its own
// one-second ticks: the entry then expires within a second of its first
// deadline, and never before its TTL has passed. Entries written by other clients with flags
// of their own lose their expiry when Increment rewrites them.
//
// # Versions
//
// GetVersion and CompareAndSwap use memcached's CAS ids, which change on
// every write: an A→B→A change is detected. See Store.CompareAndSwap for
// the extra read after a write.
//
// # Contexts
//
// gomemcache takes no context, and a call in flight cannot be interrupted.
// So an operation whose ctx can end runs its memcached calls on a goroutine
// of the store, and returns an error matching ctx.Err() as soon as ctx ends,
// within a scheduling delay of it rather than a network timeout. The calls
// go on in the background until they return, each network read or write
// bounded by the client's Timeout (500ms by default), and their result is
// dropped: a write whose caller got a ctx error may still have happened.
// Close waits for them. An operation of several round trips also checks
// ctx between them and stops at the next. With a ctx that never ends
// (context.Background()), an operation runs on the caller's goroutine.
package memcache
