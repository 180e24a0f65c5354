// Package loader is cache-aside with stampede protection in one typed call:
// the seed's "lock; get; if missing { expensive(); set }", done right.
//
//	users := loader.Must(loader.New(c, func(ctx context.Context, id int) (User, error) {
//		return db.User(ctx, id) // slow
//	}, loader.Options[int, User]{Write: []cache.WriteOption{cache.TTL(time.Hour)}}))
//	u, err := users.Get(ctx, 42)
//
// A hit is one Cache.Get and nothing else; on a remote store (not a
// cache.ValueStore), callers of one key that arrive while a Get of it is
// under way share that Get, so a burst of callers costs the store one read
// per process. A miss is loaded once for all the callers that want the key
// at the same time:
//
//   - in this process, callers of one key share one flight (singleflight);
//   - across processes (other store instances), the flight takes the
//     key's lock.Red (lease Options.Lease) while the others wait for it and
//     then read what it stored; it reads the cache again once it holds the
//     lock, and keeps extending the lock while fn runs longer than the
//     lease, so a slow load is never started twice. A waiter that finds
//     nothing after its wait tries the lock again: it loads if the holder
//     failed, and waits again if the holder is still loading.
//
// fn runs on a goroutine of its own, with a context that keeps the values
// of the first caller's but not its cancellation: an impatient caller
// returns its own ctx error at once and the load goes on for the others.
// fn's context ends when the lock's lease runs out (it is extended while fn
// runs) or when no caller waits any more.
//
// Callers that share a read or a flight get the same value, as from
// singleflight: treat what Get returns as read-only (values of pointer,
// map or slice types would otherwise change under the other callers).
//
// An error from fn is returned to every caller that shared the flight and
// never stored. ErrNotFound from fn (wrapped or not) says the key has no
// value: callers get an error matching ErrNotFound, and with
// Options.MissTTL > 0 the absence is remembered that long in the store,
// beside the key (at KeyFunc(key)+"-miss"), so other processes see it too
// and fn is not called for the key meanwhile. A stored value that cannot be
// decoded (an old schema) counts as a miss: it is loaded again and
// overwritten. A panic in fn is re-raised in the caller that started the
// flight, after the lock is released; the other callers get an error.
//
// MultiGet reads every key with one Cache.MultiGet, loads the misses with
// one Options.Batch call (keys already being loaded in this process are
// awaited, not loaded twice) and stores them with one Cache.MultiSet.
// Without Batch it loads the misses through Get's path, concurrently.
//
// A Loader reports to the cache's hooks one cache.OpLoad event per call of
// fn or Batch, with its duration and error; the reads the loader makes for
// itself (the second read under the lock, a waiter's read after the wait)
// are not reported, so one cold stampede shows each caller's miss and one
// load, not hundreds of hits.
package loader
