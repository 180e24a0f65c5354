package lock

import "context"

// releaseWatcher is implemented by stores whose lock entries may be released
// by other store instances (other processes): the Redis and memcache stores.
// The memory store needs none: its waiters all live in this process.
//
// WatchRelease starts watching key. Any release of key (a successful
// Store.CompareAndDelete by any store instance) that happens after
// WatchRelease returns closes the returned channel promptly: on Redis
// through a PUBLISH from the release script, on memcached by polling. The
// channel may also close for an earlier release whose notice arrives late,
// so a wake-up is a hint: the waiter reads the entry again. stop
// ends the watch and frees everything it used; it is safe to call more than
// once, and must be called even after the channel is closed.
type releaseWatcher interface {
	WatchRelease(ctx context.Context, key string) (released <-chan struct{}, stop func(), err error)
}
