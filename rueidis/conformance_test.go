package rueidis

import (
	"context"
	"testing"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/internal/testserver"
	"github.com/cachekit/cachekit/loader/loadertest"
	"github.com/cachekit/cachekit/lock/locktest"
)

func TestConformance(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) { conformance(t, d, Options{}) })
}

// TestConformanceWithNearCache runs the suites on stores that read through
// rueidis' client-side cache.
func TestConformanceWithNearCache(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) { conformance(t, d, Options{ClientSideCache: time.Minute}) })
}

func conformance(t *testing.T, d deployment, opts Options) {
	{
		raw := d.newClient(t)
		h := cachetest.Harness{
			New: func(tb testing.TB) cache.Store {
				s, _ := d.newStore(tb, opts)
				return s
			},
			Shared:       true,
			Dead:         d.dead,
			Slow:         d.slow,
			CompareBytes: true,
			ReadLag:      nearLag(opts),
		}
		runSuites(t, h, raw)
	}
}

// runSuites runs the cache, lock and loader suites on h, whose raw
// writes (Harness.DeleteRaw, WriteRaw) go through raw.
func runSuites(t *testing.T, h cachetest.Harness, raw rd.Client) {
	h.DeleteRaw = func(tb testing.TB, key string) {
		if err := raw.Do(context.Background(), raw.B().Del().Key(key).Build()).Error(); err != nil {
			tb.Fatalf("DEL %q: %v", key, err)
		}
	}
	h.WriteRaw = func(tb testing.TB, key string, val []byte) {
		if err := raw.Do(context.Background(), raw.B().Set().Key(key).Value(rd.BinaryString(val)).Build()).Error(); err != nil {
			tb.Fatalf("SET %q: %v", key, err)
		}
	}
	cachetest.Run(t, h)
	locktest.Run(t, h)
	loadertest.Run(t, h)
}

// dead returns a store whose server goes away once it is made: a client
// connected through a proxy that is then killed. Only standalone: a Cluster
// client learns the nodes' own addresses and would not use the proxy.
func (d deployment) dead(tb testing.TB) cache.Store {
	if d.name != "standalone" {
		tb.Skip("a Cluster client bypasses a proxy")
	}
	addr, kill := testserver.Proxy(tb, d.addrs(tb)[0])
	client, err := rd.NewClient(rd.ClientOption{InitAddress: []string{addr}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(client.Close)
	kill()
	return New(client, Options{})
}

// slow returns a store whose server answers after delay: a client
// connected through a proxy that holds every reply. Only standalone, as
// for dead.
func (d deployment) slow(tb testing.TB, delay time.Duration) cache.Store {
	if d.name != "standalone" {
		tb.Skip("a Cluster client bypasses a proxy")
	}
	addr, _ := testserver.ProxyWith(tb, d.addrs(tb)[0], testserver.ProxyOptions{Delay: delay})
	client, err := rd.NewClient(rd.ClientOption{InitAddress: []string{addr}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(client.Close)
	return New(client, Options{})
}

// nearLag is the ReadLag of stores made with opts.
func nearLag(opts Options) time.Duration {
	if opts.ClientSideCache > 0 {
		// An invalidation arrives within a round trip (logged by the
		// suite); a near cache that missed it would serve the old value
		// for ClientSideCache, a minute. 2s tells the two apart on a
		// loaded machine.
		return 2 * time.Second
	}
	return 0
}
