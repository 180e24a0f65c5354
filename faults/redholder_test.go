package faults

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
)

const (
	// holderLease is the lease of the lock the killed process holds.
	holderLease = 1500 * time.Millisecond
	// waiterLease is the lease of the waiters: far longer than the
	// holder's, so that waking at the holder's expiry and at their own
	// differ on every store.
	waiterLease = 20 * time.Second
	// redWaiters wait for the dead holder, each on a store of its own.
	redWaiters = 4
	// waitMargin is how late after its bound a waiter may go on: generous,
	// for -race on two busy cores, and still far from waiterLease.
	waitMargin = 4 * time.Second
	// expiryMargin is how long after the holder's lease its entry may
	// still be there: memcached rounds a TTL up to whole seconds plus one.
	expiryMargin = 3 * time.Second
)

// ttlResolution is how late after its TTL a store may drop an entry:
// memcached counts TTLs in whole seconds (rounded up) on a clock that
// ticks once a second; Redis to the millisecond.
func (r remote) ttlResolution() time.Duration {
	if r.name == "memcached" {
		return 2 * time.Second
	}
	return 0
}

// TestRedHolderKilledWhileHolding: a child process takes a lock.Red and is
// killed (SIGKILL) while it holds it, so the lock is never released.
// Waiters in this process, each on a store of its own, go on without the
// lock (owned == false, no error) when the holder's entry expires (far
// before their own lease ends), and once the holder's lease has
// run out and its entry expired, a new Acquire takes the lock.
func TestRedHolderKilledWhileHolding(t *testing.T) {
	if os.Getenv(childEnv) == "holder" {
		runHolderChild(t)
		return
	}
	for _, r := range remotes {
		t.Run(r.name, func(t *testing.T) { runHolderKilled(t, r) })
	}
}

func runHolderKilled(t *testing.T, r remote) {
	addrs := r.shared(t)
	ns := "h" + rand.Text()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	ch := startChild(t, ctx, "TestRedHolderKilledWhileHolding", childSpec{role: "holder", remote: r.name, ns: ns, addrs: addrs})
	lines := ch.lines()
	var acquiredAt time.Time
	for acquiredAt.IsZero() {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = ch.cmd.Wait()
				t.Fatalf("the holder ended before it took the lock:\n%s", ch.out.String())
			}
			if line == "child acquired" {
				acquiredAt = time.Now()
			}
		case <-ctx.Done():
			t.Fatalf("the holder did not take the lock:\n%s", ch.out.String())
		}
	}
	require.NoError(t, ch.cmd.Process.Kill())
	_ = ch.cmd.Wait()
	killedAfter := time.Since(acquiredAt)
	for range lines {
	}

	type wait struct {
		owned   bool
		err     error
		elapsed time.Duration
	}
	waits := make([]wait, redWaiters)
	var wg sync.WaitGroup
	for i := range waits {
		store, closeStore := r.open(t, addrs, nil)
		defer closeStore()
		c, err := cache.New(store, cache.Options[string, string]{Namespace: ns})
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			owned, err := lock.NewRed(c, "job", waiterLease).Acquire(ctx)
			waits[i] = wait{owned, err, time.Since(acquiredAt)}
		}()
	}
	wg.Wait()

	// A waiter reads the holder's remaining lease and wakes when it ends
	// (a memcached poller also when the entry is gone).
	bound := holderLease + r.ttlResolution() + waitMargin
	var slowest time.Duration
	for i, w := range waits {
		slowest = max(slowest, w.elapsed)
		assert.NoError(t, w.err, "waiter %d", i)
		assert.False(t, w.owned, "waiter %d took a lock that a dead process still holds", i)
		assert.LessOrEqual(t, w.elapsed, bound, "waiter %d went on %v after the holder took the lock", i, w.elapsed)
	}

	store, closeStore := r.open(t, addrs, nil)
	defer closeStore()
	c, err := cache.New(store, cache.Options[string, string]{Namespace: ns})
	require.NoError(t, err)
	// Nothing tells when a dead holder's entry expires: look for it.
	gone := acquiredAt.Add(holderLease + expiryMargin)
	for {
		held, err := c.Exists(ctx, "job-lock")
		require.NoError(t, err)
		if !held {
			break
		}
		require.True(t, time.Now().Before(gone), "the dead holder's entry is still there %v after it took the lock", time.Since(acquiredAt))
		time.Sleep(20 * time.Millisecond)
	}
	expiredAfter := time.Since(acquiredAt)
	l := lock.NewRed(c, "job", waiterLease)
	owned, err := l.Acquire(ctx)
	require.NoError(t, err)
	assert.True(t, owned, "a new Acquire after the holder's lease ran out")
	require.NoError(t, l.Release(ctx))
	t.Logf("%s: holder killed %v after taking a %v lease; waiters (lease %v) went on at most %v after it was taken; its entry was gone %v after it was taken",
		r.name, killedAfter.Round(time.Millisecond), holderLease, waiterLease, slowest.Round(time.Millisecond), expiredAfter.Round(time.Millisecond))
}

// runHolderChild takes the lock, says so, and waits to be killed.
func runHolderChild(t *testing.T) {
	spec, r := childSpecFromEnv(t)
	store, closeStore := r.open(t, spec.addrs, nil)
	defer closeStore()
	c, err := cache.New(store, cache.Options[string, string]{Namespace: spec.ns})
	require.NoError(t, err)
	owned, err := lock.NewRed(c, "job", holderLease).Acquire(t.Context())
	require.NoError(t, err)
	require.True(t, owned, "the holder found the lock taken")
	fmt.Println("child acquired")
	// The parent kills this process now; the bound only keeps an orphan
	// from living on.
	time.Sleep(time.Minute)
	t.Error("the holder was not killed")
}
