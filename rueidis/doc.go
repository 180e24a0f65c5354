// Package rueidis is a cache.Store on Redis, through the client
// github.com/redis/rueidis. The same Store works unchanged on a standalone
// server and on a Redis Cluster: rueidis finds out which one it talks to.
//
// Create the client, then the store, and hand the store to cache.New:
//
//	client, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{"127.0.0.1:6379"}})
//	if err != nil { ... }
//	defer client.Close()
//	store := ckredis.New(client, ckredis.Options{})
//	defer store.Close()
//	users, err := cache.New(store, cache.Options[string, User]{Namespace: "users"})
//
// The store does not own the client: close the store first, then the client.
//
// # Contexts, dropped connections and unreachable servers
//
// Every call passes its ctx to rueidis, and returns an error matching
// ctx.Err() when ctx ends first, whatever rueidis reported for it (a dial
// that the deadline cut short reads "i/o timeout"). rueidis dials a
// connection once for every caller that needs it at that moment, with the
// ctx of the first: when that ctx's deadline ends the dial, the store sends
// the command of every other caller again (it was never sent), with
// backoff, until the caller's own ctx ends.
//
// A command whose connection dropped before its reply came (a server
// restart, a proxy's idle timeout, CLIENT KILL) may or may not have run.
// The store sends it again, on a new connection, when running it twice
// leaves what running it once does: the reads (GET, MGET, EXISTS, PTTL,
// SCAN, ROLE), SET (Set, MultiSet), UNLINK (Delete, Clear), PEXPIRE and
// the PERSIST script (Expire), the compare-and-delete and
// compare-and-expire of the caller's own token (a lock's release and
// extension) and FLUSHDB. A drop breaks every connection of the client,
// and rueidis learns it of each one only when it uses it, so such a
// command may meet several broken connections before a new one: it is
// sent again up to 8 times, never after a dial that failed (the server
// is gone, and the caller learns it at once). A Delete sent again reports
// whether the key existed when it was sent again. INCRBY (Increment), SET
// NX (Add) and the compare-and-swap script are never sent twice: their
// error, which wraps the connection's (e.g. io.EOF,
// syscall.ECONNRESET), says that they may have run.
//
// The store alone decides: it builds its reads as commands that rueidis
// does not retry by itself (rueidis retries read-only commands until ctx
// ends, and then recycles a command that the broken connection's writer
// may still be reading: a data race, v1.0.74 to at least v1.0.80), so
// rueidis.ClientOption.DisableRetry and RetryDelay do not apply to them.
// The near cache's reads are the exception: rueidis retries those itself,
// and the store keeps them from being recycled (two allocations a read).
//
// rueidis honours ctx while it waits for a reply, but not while it makes a
// connection: the caller that needs a new one dials it and sends the
// handshake with its own ctx, the others wait for that one whatever their
// ctx, and a handshake cut short waits for the server to answer before it
// gives up. A slow server would hold calls with short deadlines for as
// long as it takes to answer (and connections are made often then, since
// rueidis closes a connection whose lone call's deadline passed). So for a
// second after New, and for a second after each sign of trouble (a
// connection that failed, a call whose deadline passed in rueidis), the
// store sends every call whose ctx can end from a goroutine of its own,
// and returns as soon as ctx ends; the goroutine waits for rueidis and
// Close waits for it. On a healthy server calls run on the caller's
// goroutine, at no cost. Calls already in rueidis when trouble begins, on
// a connection being made, may still return late once.
//
// # Commands
//
// Each operation is one command, or one Lua script run with EVALSHA (and
// EVAL the first time a server does not know it), on the node of its key:
//
//	Get, GetVersion     GET
//	Set                 SET key val [PX ms]
//	Add                 SET key val NX [PX ms]
//	Delete, Exists      UNLINK, EXISTS
//	Increment           INCRBY (keeps the expiry)
//	Expire              PEXPIRE; with ttl 0 a script of EXISTS and PERSIST
//	CompareAndDelete    script: GET, DEL (aiocache's release script)
//	CompareAndExpire    script: GET, PEXPIRE or PERSIST (a lease's extension)
//	GetTTL              GET and PTTL, pipelined
//	CompareAndSwap      script: GET, SET [PX ms]
//	AddFenced           script: SET NX [PX ms], TIME, GET and SET of the
//	                    counter key-fence (lock.Red with its fencing token;
//	                    on a Cluster, for a key whose counter is in its slot)
//	MultiGet            MGET, one per hash slot on a Cluster, pipelined
//	MultiSet            a pipeline of SET [PX ms]
//	Clear               SCAN MATCH and UNLINK, or FLUSHDB, on every master
//
// Values are kept byte for byte, so any serializer works. TTLs have
// millisecond precision; a ttl that is not a whole number of milliseconds
// is rounded up, so a positive ttl is never stored as "no expiry".
//
// # Cluster
//
// Single-key operations go to the key's node. MultiGet and MultiSet accept
// keys of any slots: rueidis splits their pipeline by node and sends the
// parts in parallel. Clear visits every master that the client knows of
// and skips replicas. Watch tracks a key on a dedicated connection to the
// key's own node (RESP3 client tracking: Redis pushes an invalidation
// when the key changes), learnt from the MOVED reply of the node first
// asked, so a Store holds at most one tracking connection per master.
//
// # Sentinel
//
// Where one master and its replicas are watched by Redis Sentinel, the
// same Store works unchanged on a client that asks the sentinels for the
// master:
//
//	client, err := rueidis.NewClient(rueidis.ClientOption{
//		InitAddress: []string{"10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"}, // the sentinels
//		Sentinel:    rueidis.SentinelOption{MasterSet: "mymaster"},
//	})
//
// Every command goes to the master, reads too, so a store reads its own
// writes; do not set SendToReplicas or ReplicaOnly, which would give that
// up. Clear and Watch work on the master as on a standalone server.
//
// When the master dies, the sentinels find it down after their
// down-after-milliseconds, elect one of them, promote a replica and
// announce it; rueidis, subscribed to a sentinel, then moves every
// connection to the new master. Until then calls fail: writes at once
// with the dial error, reads once rueidis has retried them until their ctx
// ends (so give calls a deadline). A read that rueidis is retrying when
// the new master comes reaches it within rueidis' retry backoff, at most
// a second. The suites pass on a Sentinel deployment, and
// faults/sentinel_test.go kills its master under load and reports what a
// failover costs. What it means for the data:
//
//   - Replication is asynchronous: a write that the old master
//     acknowledged but had not yet sent to the replica is lost. A Set is
//     undone, an Increment counts less. On one machine that is rare (the
//     fault test reports the count); on a real network it is the
//     replication lag of the last writes. Redis' min-replicas-to-write and
//     WAIT narrow the window; the store does not wait for replicas.
//   - A lock.Red's entry is a key like any other, replicated with its
//     expiry (an absolute time): after the promotion its holder still
//     holds it, Release and Extend work on the new master, and waiters go
//     on at the holder's release or expiry as before (a waiter watches the
//     key on the new master once its tracking connection to the old one
//     broke; the fault test holds them to it). An acquisition the replica
//     had not received is lost like any write: a second caller may then
//     take the lock while the first believes it holds it, which Red, a
//     lock against stampedes and not for mutual exclusion, allows anyway
//     (the first one's Release then deletes nothing).
//   - The near cache (Options.ClientSideCache) is kept by rueidis per
//     connection, and a connection that breaks drops its entries: the old
//     master's death empties the near cache, which then fills from the
//     new master and is kept coherent by its invalidations. No read after
//     the promotion serves a value older than what the new master holds,
//     nor a write that the failover lost; the fault test checks both.
//
// # Near cache
//
// With Options.ClientSideCache > 0, Get, MultiGet and Exists read through
// rueidis' client-side cache (DoCache, DoMultiCache): a hot key costs a
// lookup in the client's memory, not a round trip. Redis keeps it coherent:
// rueidis turns on RESP3 tracking in OPTIN mode on its connections, and a
// cacheable read asks Redis to track the key for that connection; a write
// or delete of the key by any client then sends an invalidation, which
// drops the entry before the next read. Another client's write is seen
// within about a round trip (the suites hold it to 20ms). The store's own
// writes are seen at once: the invalidation of a write is not ordered with
// its reply (it follows the reply, or comes on another of the client's
// connections), so the store remembers what it wrote (the length and a
// 64-bit fingerprint of the value, some tens of bytes per key, forgotten
// by a sweep within two seconds, also when the store is idle), and reads a
// key it wrote from Redis until the near cache answers with that (within a
// round trip or so; at most a second). Writes, CompareAndSwap and the
// GetVersion it starts from, locks and GetTTL always go to Redis. Expiry is honoured: an entry is kept at most the key's PTTL,
// and at most ClientSideCache.
//
// What it costs: in the client, each cached key holds its reply (the value
// and some hundred bytes of bookkeeping), bounded by rueidis'
// ClientOption.CacheSizeEachConn (128 MiB per connection by default); in
// Redis, an entry in the tracking table per key and connection that read
// it (tracking-table-max-keys bounds the table: beyond it Redis evicts
// entries and invalidates them, which costs a miss, never a stale read).
// A client made with DisableCache reads Redis every time.
//
// # Watching keys
//
// Watch (cache.Watcher), on which a lock.Red waits for the holder of a
// lock, is told of any change of the key by Redis itself: RESP3
// client-side-caching invalidation on a dedicated connection per node, as
// rueidislock does. So a waiter goes on within a round trip of a release
// by any client: another Store, aiocache's RedLock, redis-cli. The expiry
// of a holder that never released is covered by the waiter's own timer,
// set to the holder's remaining TTL (GetTTL). See Watch.
package rueidis
