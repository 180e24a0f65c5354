// Package loader is cache-aside with stampede protection in one typed call:
// the cache-stampede pattern "lock; get; if missing { expensive(); set }",
// done right, and kept answering when the store or the source fails.
//
//	users := loader.Must(loader.New(c, func(ctx context.Context, id int) (User, error) {
//		return db.User(ctx, id) // slow
//	}, loader.Options[int, User]{
//		TTL:          time.Hour,
//		RefreshAfter: 45 * time.Minute, // hot keys never wait for db.User once warm
//		StaleFor:     time.Hour,        // and a failing db.User serves the last value
//		FailOpen:     true,             // and a failing store costs db.User, not an error
//	}))
//	defer users.Close()
//	u, err := users.Get(ctx, 42)
//
// # Hits
//
// A hit is one read of the store: the value, and in the same round trip
// what the options need besides (the time it has left, for RefreshAfter
// and StaleFor; the mark of a remembered absence, for MissTTL; see
// cache.Cache.Probe). With none of them, on the memory store, a hit is a
// Cache.Get and allocates nothing. On a remote store, callers of one key
// that arrive while a read of it is under way share that read (a burst
// costs the store one read per process), unless a write of the key
// returned since the read was sent: a read that begins after a write sees
// it.
//
// # Misses
//
// A miss is loaded once for all the callers that want the key at the same
// time:
//
//   - in this process, callers of one key share one flight (singleflight);
//   - across processes (other store instances), the flight takes the
//     key's lock.Red (lease Options.Lease) while the others wait for it and
//     then read what it stored; it reads the store again once it holds the
//     lock, and keeps extending the lock while fn runs longer than the
//     lease, so a slow load is never started twice. A waiter that finds
//     nothing after its wait tries the lock again: it loads if the holder
//     failed, and waits again if the holder is still loading.
//
// On Redis a cold miss costs three round trips before fn (the read of the
// value and its miss mark; the lock; the read under the lock) and one
// after it (the write; the lock's release follows, which the callers do
// not wait for); a remembered absence costs one.
//
// fn runs on a goroutine of its own, with a context that keeps the values
// of the first caller's but not its cancellation: an impatient caller
// returns its own ctx error at once and the load goes on for the others.
// fn's context ends when the lock's lease runs out (it is extended while fn
// runs) or when no caller waits any more. What a load returned is stored
// even if every caller has left. The same holds for the reads callers
// share and for the batches of MultiGet: shared work never ends with the
// caller that started it.
//
// Callers that share a read or a flight get the same value, as from
// singleflight: treat what Get returns as read-only (values of pointer,
// map or slice types would otherwise change under the other callers).
//
// # Errors, absences, panics
//
// An error from fn is returned to every caller that shared the flight and
// never stored. ErrNotFound from fn (wrapped or not) says the key has no
// value: callers get an error matching ErrNotFound, and with
// Options.MissTTL > 0 the absence is remembered that long in the store,
// beside the key (at KeyFunc(key)+"-miss", holding "cachekit:absent"), so
// other processes see it too and fn is not called for the key meanwhile. A
// stored value that cannot be decoded (an old schema) counts as a miss: it
// is loaded again and overwritten. A panic in fn, in a hook or in the
// store is re-raised in the caller whose call ran it, after the lock is
// released; the other callers get an error, and no key is left wedged. A
// fn that calls runtime.Goexit gives its callers an error.
//
// # In production
//
//   - TTL and TTLFunc set the TTL of each loaded value (TTLFunc may say 0:
//     return the value without storing it), and the cache's
//     Options.Jitter spreads it, so that keys loaded together do not
//     expire together.
//   - RefreshAfter (refresh-ahead): a hit on a value older than that
//     returns it and reloads the key in the background, once per key
//     across every process (the key's lock, tried without waiting); the
//     reload writes only if the key was not written meanwhile. A hot key's
//     callers never wait for fn once it is warm. The value's age is its
//     TTL less the time it has left: the bytes in the store are exactly
//     what Cache.Set writes, which other clients (aiocache, redis-cli)
//     keep reading.
//   - StaleFor and LoadTimeout (fail-safe): values are kept StaleFor past
//     their TTL; a Get of a value in that window reloads it, and gets the
//     stale value when the reload fails or is not done by LoadTimeout
//     (the reload then goes on in the background).
//   - FailOpen and StoreTimeout: a store that fails (down, or slower than
//     StoreTimeout) makes Get and MultiGet load from fn instead of
//     failing, and a breaker skips the store while it keeps failing (it is
//     tried again once a second), so an outage costs each call fn, not a
//     store timeout and fn. Without FailOpen, store errors are returned.
//     StoreTimeout bounds a remote store's calls, not an in-process one's.
//
// Close stops the background work (refreshes, and stale reloads no caller
// waits for) and waits for it.
//
// # Batches
//
// MultiGet reads every key in one round trip, loads the misses with one
// Options.Batch call (keys already being loaded in this process are
// awaited, not loaded twice) and stores them with one Cache.MultiSet.
// Without Batch it loads the misses through Get's path, concurrently.
//
// # Hooks
//
// A Loader reports to the cache's hooks each caller's read as the Get (or
// MultiGet) it stands for, with its hits and misses (a remembered absence
// is a miss, counted in Event.Remembered too), one cache.OpLoad event per
// call of fn or Batch (Event.Stale when its callers got a stale value
// instead), one cache.OpRefresh per background reload, the lock
// operations of its lock.Red, and its writes. The reads the loader makes
// for itself (the second read under the lock) are not reported, so one
// cold stampede shows each caller's miss and one load, not hundreds of
// hits. Loads and refreshes go through the cache's StartHooks, so fn's
// context carries their span.
package loader
