package memcache

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/internal/testserver"
)

// TestCallsOnASlowServerReturnAtTheirDeadline runs 32 goroutines of Gets
// with a 5ms deadline through a proxy that holds every reply for 1.5s:
// every call returns with the deadline's error, long before the reply.
// A call that waited for the reply (or for a connection held by one)
// would return 1.5s late; one that returns at its deadline is late by a
// scheduling delay, a few ms. The bound, half the delay, tells the two
// apart on a loaded machine.
func TestCallsOnASlowServerReturnAtTheirDeadline(t *testing.T) {
	const delay = 1500 * time.Millisecond
	addr, _ := testserver.ProxyWith(t, testserver.Memcached(t), testserver.ProxyOptions{Delay: delay})
	client := gm.New(addr)
	client.MaxIdleConns = 16
	client.Timeout = 3 * delay
	s := New(client, Options{})
	t.Cleanup(func() {
		_ = s.Close()
		_ = client.Close()
	})
	var (
		mu    sync.Mutex
		lates []time.Duration
		wg    sync.WaitGroup
	)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 8 {
				deadline := time.Now().Add(5 * time.Millisecond)
				ctx, cancel := context.WithDeadline(t.Context(), deadline)
				_, _, err := s.Get(ctx, "k")
				late := time.Since(deadline)
				cancel()
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				mu.Lock()
				lates = append(lates, late)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(lates)
	p99 := lates[len(lates)*99/100]
	t.Logf("%d calls returned after their deadline by p50 %v, p99 %v, max %v (replies held %v)",
		len(lates), lates[len(lates)/2], p99, lates[len(lates)-1], delay)
	assert.Less(t, lates[len(lates)-1], delay/2, "the latest call")
}

// TestStormOpensNoMoreConnectionsThanTheClientKeeps runs the cancellation
// storm (2000 goroutines of Get, Set and Increment with a 1ms deadline)
// and counts the connections dialled meanwhile: no more than the client
// keeps idle (16), and as many meta connections. A store that let every
// call run opened and closed a connection for most of them (14 000 in a
// storm of 6000 calls), a churn that on two cores made calls return up to
// 800ms after their deadline.
func TestStormOpensNoMoreConnectionsThanTheClientKeeps(t *testing.T) {
	var dials atomic.Int64
	client := gm.New(testserver.Memcached(t))
	client.MaxIdleConns = 16
	client.Timeout = 10 * time.Second // no connection closed by a timeout on a loaded machine
	client.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return new(net.Dialer).DialContext(ctx, network, addr)
	}
	s := New(client, Options{})
	t.Cleanup(func() {
		_ = s.Close()
		_ = client.Close()
	})
	c := cachetest.NewCache[string, int](t, s, cache.Options[string, int]{Namespace: uniq(t, "storm")})
	require.NoError(t, c.Set(t.Context(), "k", 1))
	cachetest.RunStorm(t, []cachetest.StormOp{
		{Name: "Get", Call: func(ctx context.Context) error { _, _, err := c.Get(ctx, "k"); return err }},
		{Name: "Set", Call: func(ctx context.Context) error { return c.Set(ctx, "set", 2) }},
		{Name: "Increment", Call: func(ctx context.Context) error { _, err := c.Increment(ctx, "n", -1); return err }},
	})
	t.Logf("%d connections dialled", dials.Load())
	assert.LessOrEqual(t, dials.Load(), int64(2*client.MaxIdleConns), "connections dialled during the storm")
}

// TestCloseEndsTheWaitForASlot checks that an operation with a ctx that
// never ends, waiting for a slot, returns cache.ErrClosed when the store
// closes rather than waiting for ever.
func TestCloseEndsTheWaitForASlot(t *testing.T) {
	s := newStore(t, Options{MaxInFlight: 1})
	require.NoError(t, s.slots.acquire(context.Background())) // the one slot, held
	done := make(chan error, 1)
	go func() { _, _, err := s.Get(context.Background(), "k"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("Get returned %v without a slot", err)
	case <-time.After(50 * time.Millisecond):
	}
	closed := make(chan struct{})
	go func() { _ = s.Close(); close(closed) }()
	err := <-done
	assert.True(t, errors.Is(err, cache.ErrClosed), "%v", err)
	s.slots.release()
	<-closed
}
