package benchmarks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/internal/testserver"
	ckmemcache "github.com/cachekit/cachekit/memcache"
	"github.com/cachekit/cachekit/memory"
)

// lockLease is the lease (expiry, validity) of every lock of the lock
// benchmarks: far longer than any benchmark holds a lock.
const lockLease = 5 * time.Second

// lockImpl is one lock library on the standalone Redis.
type lockImpl struct {
	name string
	// lock returns a Lock, for the uncontended benchmark.
	lock func(tb testing.TB) client.Lock
	// guard returns a Guard, for the stampede; nil for the raw baselines,
	// which only take and release.
	guard func(tb testing.TB) client.Guard
}

// lockImpls are cachekit's lock.Red, the raw two-round-trip baselines
// (without and with a fencing token) and the lock libraries, each on clients of its own to the Redis at addr.
func lockImpls(addr string) []lockImpl {
	red := func(tb testing.TB) *client.CachekitRed { return client.NewCachekitRed(newRueidis(tb, addr), lockLease) }
	redsync := func(testing.TB) *client.Redsync { return client.NewRedsync(newGoRedis(addr), lockLease) }
	redislock := func(testing.TB) *client.Redislock { return client.NewRedislock(newGoRedis(addr), lockLease) }
	rueidislock := func(tb testing.TB) *client.Rueidislock {
		l, err := client.NewRueidislock(addr, lockLease)
		if err != nil {
			tb.Fatal(err)
		}
		return l
	}
	return []lockImpl{
		{"cachekit", func(tb testing.TB) client.Lock { return red(tb) }, func(tb testing.TB) client.Guard { return red(tb) }},
		{"raw", func(tb testing.TB) client.Lock { return client.NewRawLock(newRueidis(tb, addr), lockLease) }, nil},
		{"raw-fenced", func(tb testing.TB) client.Lock { return client.NewRawFencedLock(newRueidis(tb, addr), lockLease) }, nil},
		{"redsync", func(tb testing.TB) client.Lock { return redsync(tb) }, func(tb testing.TB) client.Guard { return redsync(tb) }},
		{"redislock", func(tb testing.TB) client.Lock { return redislock(tb) }, func(tb testing.TB) client.Guard { return redislock(tb) }},
		{"rueidislock", func(tb testing.TB) client.Lock { return rueidislock(tb) }, func(tb testing.TB) client.Guard { return rueidislock(tb) }},
	}
}

// BenchmarkRedUncontended takes and releases a free lock, serially: the
// cost of protecting work that nobody else wants at the moment. Every
// acquisition of lock.Red draws a fencing token (Red.Fence), which the
// cachekit adapter checks. On Redis, raw is the floor: SET NX PX and a
// compare-and-delete script through rueidis; raw-fenced the floor of a
// lock with fencing tokens (SET NX PX and INCR in one script, and the
// same compare-and-delete); then the lock libraries. On memcached, raw is
// gomemcache's add and delete (the least any lease lock costs there, not
// a correct one). On memory, cachekit alone.
func BenchmarkRedUncontended(b *testing.B) {
	b.Run("store=redis", func(b *testing.B) {
		addr := testserver.Redis(b)
		runRedUncontended(b, lockImpls(addr))
		flushRedis(b, addr)
	})
	b.Run("store=memcached", func(b *testing.B) {
		addr := testserver.Memcached(b)
		runRedUncontended(b, memcachedLockImpls(addr))
		flushMemcached(b, addr)
	})
	b.Run("store=memory", func(b *testing.B) { runRedUncontended(b, memoryLockImpls()) })
}

// memcachedLockImpls are lock.Red on a memcached store and the raw floor,
// each on a gomemcache client of its own to the memcached at addr.
func memcachedLockImpls(addr string) []lockImpl {
	return []lockImpl{
		{name: "cachekit", lock: func(testing.TB) client.Lock {
			c := newGomemcache(addr)
			s := ckmemcache.New(c, ckmemcache.Options{})
			return client.NewCachekitRedStore(s, lockLease, func() error { return errors.Join(s.Close(), c.Close()) })
		}},
		{name: "raw", lock: func(testing.TB) client.Lock { return client.NewRawMemcachedLock(newGomemcache(addr), lockLease) }},
	}
}

// memoryLockImpls is lock.Red on a memory store.
func memoryLockImpls() []lockImpl {
	return []lockImpl{{name: "cachekit", lock: func(testing.TB) client.Lock {
		s := memory.New(memory.Options{})
		return client.NewCachekitRedStore(s, lockLease, s.Close)
	}}}
}

func runRedUncontended(b *testing.B, impls []lockImpl) {
	for _, im := range passOrder(impls) {
		b.Run("impl="+im.name, func(b *testing.B) {
			l := im.lock(b)
			b.Cleanup(func() {
				if err := l.Close(); err != nil {
					b.Error(err)
				}
			})
			ctx := context.Background()
			// The first lock connects the client and loads the scripts.
			takeAndRelease(b, ctx, l, "uncontended")
			b.ReportAllocs()
			for b.Loop() {
				takeAndRelease(b, ctx, l, "uncontended")
			}
		})
	}
}

// takeAndRelease takes the lock on key and releases it.
func takeAndRelease(b *testing.B, ctx context.Context, l client.Lock, key string) {
	unlock, err := l.TryLock(ctx, key)
	if err != nil {
		b.Fatal(err)
	}
	if err := unlock(ctx); err != nil {
		b.Fatal(err)
	}
}
