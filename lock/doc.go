// Package lock provides two locks built on a cache.Cache, on any store:
//
//   - Red, a lease lock against cache stampedes: the first caller computes
//     an expensive value while the others wait for it (at most one lease)
//     and then read it from the cache. It is not a mutual exclusion that
//     correctness may depend on.
//   - Optimistic, a compare-and-set lock for read-modify-write cycles:
//     CAS writes only if the key has not changed since it was read. Update
//     wraps the usual retry loop.
//
// # Red
//
// The entry of the lock on key lives at the backend key of the string
// KeyFunc(key)+"-lock" in the cache's namespace (Cache.Entry(key, "-lock")),
// so for a Cache[string, V] c.Exists(ctx, "k-lock") is true while the lock
// on "k" is held. Its value is a random token of 130 bits, written raw (not
// through the serializer) with the lease as its expiry. Release deletes the
// entry only if it still holds the token, atomically on every store, and
// Extend gives it a new expiry on the same condition (cache.Extender).
//
// A waiter watches the lock's entry through its store (cache.Watcher) and
// reads the holder's token again at each wake-up, so it goes on when the
// holder it found is gone, however that came about, and never because of
// a stale notice. Each store wakes the waiters of its own instance the
// moment it deletes the entry; those of other instances learn of it from
// the store: on Redis from the invalidation that Redis sends for any
// change of the entry by any client (RESP3 client tracking of the lock's
// key, as rueidislock does), on memcached by polling every few
// milliseconds. A store that is not a Watcher makes its waiters poll
// (cache.PollWatcher). A waiter also wakes when the holder's entry is due
// to expire, when the store tells its TTL (cache.TTLGetter), so the
// waiters of a holder that crashed go on at its expiry. Every lock
// operation goes through the cache's hooks (cache.OpLockAcquire and the
// rest), StartHooks included.
//
// An Acquire that fails after its add may have reached the store (its ctx
// ended, the connection dropped) removes its own token in the background,
// so that no lock is left that nobody holds.
//
// # Example
//
// The pattern Red exists for (see ExampleRed_Do):
//
//	err := lock.NewRed(c, key, 5*time.Second).Do(ctx, func(ctx context.Context) error {
//		if v, found, err := c.Get(ctx, key); err != nil || found {
//			result = v
//			return err
//		}
//		result = expensive()
//		return c.Set(ctx, key, result)
//	})
package lock
