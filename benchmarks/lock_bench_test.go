package benchmarks

import (
	"context"
	"testing"
	"time"

	"github.com/cachekit/cachekit/benchmarks/client"
	"github.com/cachekit/cachekit/internal/testserver"
)

// lockLease is the lease (expiry, validity) of every lock of the lock
// benchmarks: far longer than any benchmark holds a lock.
const lockLease = 5 * time.Second

// lockImpl is one lock library on the standalone Redis.
type lockImpl struct {
	name string
	// lock returns a Lock, for the uncontended benchmark.
	lock func(tb testing.TB) client.Lock
	// guard returns a Guard, for the stampede; nil for the raw baseline,
	// which only takes and releases.
	guard func(tb testing.TB) client.Guard
}

// lockImpls are cachekit's lock.Red, the raw two-round-trip baseline and
// the lock libraries, each on clients of its own to the Redis at addr.
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
		{"redsync", func(tb testing.TB) client.Lock { return redsync(tb) }, func(tb testing.TB) client.Guard { return redsync(tb) }},
		{"redislock", func(tb testing.TB) client.Lock { return redislock(tb) }, func(tb testing.TB) client.Guard { return redislock(tb) }},
		{"rueidislock", func(tb testing.TB) client.Lock { return rueidislock(tb) }, func(tb testing.TB) client.Guard { return rueidislock(tb) }},
	}
}

// BenchmarkRedUncontended takes and releases a free lock, serially: the
// cost of protecting work that nobody else wants at the moment. raw is
// the floor: SET NX PX and a compare-and-delete script through rueidis.
func BenchmarkRedUncontended(b *testing.B) {
	addr := testserver.Redis(b)
	for _, im := range lockImpls(addr) {
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
