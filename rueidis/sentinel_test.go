package rueidis

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	rd "github.com/redis/rueidis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/lock"
)

// sentinelOption is the option of a client of the Sentinel deployment s:
// the sentinels' addresses and the name of the master they watch.
func sentinelOption(s *testserver.Sentinel) rd.ClientOption {
	return rd.ClientOption{InitAddress: s.Sentinels(), Sentinel: rd.SentinelOption{MasterSet: s.MasterSet()}}
}

// newSentinelClient returns a client of the Sentinel deployment s, closed
// when tb ends, whose connections to an address go to via[address]
// instead when via has it (a proxy in front of the master).
func newSentinelClient(tb testing.TB, s *testserver.Sentinel, via map[string]string) rd.Client {
	tb.Helper()
	opt := sentinelOption(s)
	if len(via) > 0 {
		opt.DialCtxFn = func(ctx context.Context, dst string, d *net.Dialer, _ *tls.Config) (net.Conn, error) {
			if p, ok := via[dst]; ok {
				dst = p
			}
			return d.DialContext(ctx, "tcp", dst)
		}
	}
	client, err := rd.NewClient(opt)
	if err != nil {
		tb.Fatalf("rueidis client of the Sentinel deployment %v: %v", s.Sentinels(), err)
	}
	tb.Cleanup(client.Close)
	return client
}

// TestConformanceOnSentinel runs the suites on stores whose client finds
// the master through Redis Sentinel: the store works unchanged.
func TestConformanceOnSentinel(t *testing.T) { sentinelConformance(t, Options{}) }

// TestConformanceOnSentinelWithNearCache runs them on stores that read
// through rueidis' client-side cache.
func TestConformanceOnSentinelWithNearCache(t *testing.T) {
	sentinelConformance(t, Options{ClientSideCache: time.Minute})
}

func sentinelConformance(t *testing.T, opts Options) {
	s := testserver.RedisSentinel(t)
	raw := newSentinelClient(t, s, nil)
	// proxied returns a store whose connections to the master go through
	// a proxy with popts (the sentinels are reached directly, and still
	// name the master): the proxy's kill is a master gone for the store.
	proxied := func(tb testing.TB, popts testserver.ProxyOptions) (cache.Store, func()) {
		addr, kill := testserver.ProxyWith(tb, s.Master(), popts)
		return New(newSentinelClient(tb, s, map[string]string{s.Master(): addr}), Options{}), kill
	}
	h := cachetest.Harness{
		New: func(tb testing.TB) cache.Store {
			// The suite closes the store before the client: cleanups run
			// last-registered first.
			return New(newSentinelClient(tb, s, nil), opts)
		},
		Shared: true,
		Dead: func(tb testing.TB) cache.Store {
			store, kill := proxied(tb, testserver.ProxyOptions{})
			kill()
			return store
		},
		Slow: func(tb testing.TB, delay time.Duration) cache.Store {
			store, _ := proxied(tb, testserver.ProxyOptions{Delay: delay})
			return store
		},
		CompareBytes: true,
		ReadLag:      nearLag(opts),
	}
	runSuites(t, h, raw)
}

// failoverBound is how long after every sentinel named the new master a
// store must be working on it again. The client learns of it from its
// sentinel's +switch-master message, within milliseconds; one that never
// does fails forever. Loose for a loaded machine.
const failoverBound = 10 * time.Second

// TestSentinelStoreFollowsAFailover kills the master under a store, with
// and without near cache, while a lock.Red waiter waits for a holder: once
// the sentinels have promoted the replica, the store reads what was
// replicated, writes again, serves no value of the old master from its
// near cache, and the waiter is woken by the holder's release on the new
// master (not at the end of the lease).
func TestSentinelStoreFollowsAFailover(t *testing.T) {
	for name, opts := range map[string]Options{"plain": {}, "near": {ClientSideCache: time.Minute}} {
		t.Run(name, func(t *testing.T) { followFailover(t, opts) })
	}
}

func followFailover(t *testing.T, opts Options) {
	const lease = 30 * time.Second // a waiter not woken waits this long
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	s := testserver.StartRedisSentinel(t)
	raw := newSentinelClient(t, s, nil)
	store := New(newSentinelClient(t, s, nil), opts)
	t.Cleanup(func() { _ = store.Close() })
	c := cache.Must(cache.New(store, cache.Options[string, string]{Namespace: "f"}))

	holder := lock.NewRed(c, "job", lease)
	owned, err := holder.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)
	// The waiter is on a store of its own, as in another process.
	wstore := New(newSentinelClient(t, s, nil), opts)
	t.Cleanup(func() { _ = wstore.Close() })
	// It waits once its attempt found the lock taken.
	waiting := make(chan struct{}, 1)
	sawHolder := cache.HookFunc(func(_ context.Context, e cache.Event) {
		if e.Op == cache.OpLockAcquire && e.Err == nil && !e.Ok {
			waiting <- struct{}{}
		}
	})
	wc := cache.Must(cache.New(wstore, cache.Options[string, string]{Namespace: "f", Hooks: []cache.Hook{sawHolder}}))
	type wait struct {
		owned bool
		err   error
		at    time.Time
	}
	waited := make(chan wait, 1)
	go func() {
		owned, err := lock.NewRed(wc, "job", lease).Acquire(ctx)
		waited <- wait{owned, err, time.Now()}
	}()
	<-waiting

	require.NoError(t, c.Set(ctx, "k", "old"))
	got, _, err := c.Get(ctx, "k") // into the near cache, if any
	require.NoError(t, err)
	require.Equal(t, "old", got)
	// Replicated: the writes before WAIT on its connection (the lock's
	// entry and "k" were written on others, before it).
	require.NoError(t, raw.Dedicated(func(dc rd.DedicatedClient) error {
		r := dc.DoMulti(ctx, dc.B().Set().Key("f:sync").Value("1").Build(), dc.B().Wait().Numreplicas(1).Timeout(5000).Build())
		n, err := r[1].AsInt64()
		if err == nil && n != 1 {
			t.Fatalf("WAIT: %d replicas have the writes, want 1", n)
		}
		return err
	}))

	s.KillMaster(t)
	f := s.AwaitFailover(t)

	// Every call has a deadline; the first ones fail while the client
	// has not switched to the new master.
	var v string
	firstSuccess := retryUntil(t, f.Announced.Add(failoverBound), func(ctx context.Context) (err error) {
		v, _, err = c.Get(ctx, "k")
		return err
	})
	assert.Equal(t, "old", v, "a replicated value after the failover")
	// A write by another client on the new master (which that client
	// too must find): the near cache, if any, must not keep the old
	// master's value.
	retryUntil(t, time.Now().Add(failoverBound), func(ctx context.Context) error {
		return raw.Do(ctx, raw.B().Set().Key("f:k").Value("new").Build()).Error()
	})
	retryUntil(t, time.Now().Add(failoverBound), func(ctx context.Context) error {
		v, _, err := c.Get(ctx, "k")
		if err == nil && v != "new" {
			return errStale
		}
		return err
	})
	require.NoError(t, c.Set(ctx, "k", "newer"))
	got, _, err = c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "newer", got)

	released := time.Now()
	require.NoError(t, holder.Release(ctx))
	w := <-waited
	require.NoError(t, w.err)
	assert.False(t, w.owned)
	woken := w.at.Sub(released)
	assert.Less(t, woken, cachetest.DefaultWakeWithin, "the waiter went on %v after the release on the new master; lease %v", woken, lease)
	t.Logf("announced %v after the promotion; first success %v after the announcement; waiter woken %v after the release",
		f.Announced.Sub(f.Promoted).Round(time.Millisecond),
		firstSuccess.Sub(f.Announced).Round(time.Millisecond), woken.Round(time.Millisecond))
}

// errStale is retryUntil's reason to try again for a value that is not
// the latest yet.
var errStale = errors.New("stale value")

// retryUntil calls f with a 300 ms deadline until it returns nil, failing
// t at deadline, and returns when it succeeded.
func retryUntil(t *testing.T, deadline time.Time, f func(ctx context.Context) error) time.Time {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		err := f(ctx)
		cancel()
		if err == nil {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing at the deadline: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
