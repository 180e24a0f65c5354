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
// The store keeps the key and the generation last seen of at most 4096
// namespaces in memory (a few hundred bytes each), dropping those not used
// lately first, so that per-tenant namespaces that come and go leave
// nothing behind; a namespace whose state was dropped costs one more round
// trip on its next read.
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
// MultiGet, MultiGetTTL and MultiGetVersion are one GetMulti: package
// loader reads a key, its TTL or version, and the mark of its absence
// beside it in one round trip. Reads of a namespaced key (Get, Exists,
// MultiGet and its kin) fetch the generation
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
// memcached does not tell a classic client how long an entry has left,
// so every write records the entry's deadline in its flags (Unix seconds,
// 0 for none), which GetTTL and MultiGetTTL read. Increment, when it rewrites a value
// with a cas (a negative number, or a delta incr cannot apply), keeps the
// entry's expiry, whoever wrote it: it reads the entry with memcached's
// meta get ("mg", memcached 1.6 or later), which answers the seconds left,
// on connections of the store's own to the server the client picks for
// the key (gomemcache sends no meta command), and writes the same seconds
// back; the entry then expires within a tick of its first expiry. Its
// flags are kept too. Expire and CompareAndExpire give a new expiry and
// record it.
//
// # Versions
//
// GetVersion, MultiGetVersion and CompareAndSwap use memcached's CAS ids,
// which change on every write: an A→B→A change is detected. See Store.CompareAndSwap for
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
// dropped: a write whose caller got a ctx error may still have happened,
// with the bytes the caller gave (the store writes a copy of its own, so
// the caller may reuse its buffers as soon as the call returns). Close
// waits for them. An operation of several round trips also checks ctx
// between them and stops at the next. With a ctx that never ends
// (context.Background()), an operation runs on the caller's goroutine.
//
// A store has at most Options.MaxInFlight operations in flight (by
// default the client's MaxIdleConns, at least 8): one beyond waits for
// another to end, no longer than its ctx allows, and sends nothing if its
// ctx ends first. gomemcache itself has no bound: each call beyond its
// idle connections dials one and closes it afterwards, and a burst of calls
// with short deadlines (or a slow server) turned into a churn of
// connections that delayed every caller on a busy machine.
//
// # Dropped connections
//
// A connection can drop between two calls (a server restart, an idle
// timeout on the way) or before a reply. The store then closes the
// client's idle connections, which likely dropped too, and sends what is
// safe to send twice once more on a fresh connection: reads, Set, Delete,
// Expire, Clear, and the read-and-cas of CompareAndDelete and
// CompareAndExpire (a lock's release and extend). Add, CompareAndSwap and
// Increment's writes are not sent again, and return the error: they may
// have landed before the reply was lost.
package memcache
