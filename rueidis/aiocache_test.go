package rueidis

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
)

// holderLease is the lease of the aiocache holder of
// TestWaiterWakesOnAiocacheRelease: the time a waiter that is not woken
// waits.
const holderLease = 20 * time.Second

// TestWaiterWakesOnAiocacheRelease plays aiocache's RedLock with a raw
// client, on the same key a cachekit lock uses (namespace "ns", key "L":
// "ns:L-lock"): SET NX PX to hold it, then exactly aiocache's release
// script. A cachekit waiter goes on within a round trip of the release, not
// a lease later.
func TestWaiterWakesOnAiocacheRelease(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		raw := d.newClient(t)
		ns := testKey(t, s) // a namespace of this test only
		ns = ns[:len(ns)-2]
		c := cache.Must(cache.New(s, cache.Options[string, string]{Namespace: ns}))
		key := c.KeyWithSuffix("L", "-lock")
		ctx := context.Background()
		const rounds = 21
		var lat []time.Duration
		for i := range rounds {
			token := "aiocache-token-" + time.Now().Format(time.RFC3339Nano)
			if err := raw.Do(ctx, raw.B().Set().Key(key).Value(token).Nx().PxMilliseconds(holderLease.Milliseconds()).Build()).Error(); err != nil {
				t.Fatalf("round %d: aiocache's acquire: %v", i, err)
			}
			done := make(chan time.Time, 1)
			go func() {
				owned, err := lock.NewRed(c, "L", time.Minute).Acquire(ctx)
				if err != nil || owned {
					t.Errorf("Acquire = %v, %v; want a wait without the lock", owned, err)
				}
				done <- time.Now()
			}()
			waitForWatch(t, s, key)
			released := time.Now() // as the release is sent: the waiter may be back before its reply
			n, err := aiocacheRelease.Exec(ctx, raw, []string{key}, []string{token}).AsInt64()
			if err != nil || n != 1 {
				t.Fatalf("aiocache's release = %d, %v", n, err)
			}
			select {
			case woke := <-done:
				lat = append(lat, woke.Sub(released))
			case <-time.After(10 * time.Second):
				t.Fatal("the waiter did not go on after aiocache released")
			}
		}
		slices.Sort(lat)
		t.Logf("woken after aiocache's release over %d rounds: min %v, p50 %v, p90 %v, max %v",
			rounds, lat[0], lat[rounds/2], lat[rounds*9/10], lat[rounds-1])
		// Woken by the release, a waiter goes on within a round trip or
		// two (p50 15-30µs alone, 5ms under -race beside the whole suite
		// on two cores); not woken, it would go on at the holder's expiry,
		// holderLease after its acquire. The bounds leave room for a
		// loaded machine and still tell the two apart.
		if lat[rounds/2] > holderLease/20 {
			t.Errorf("median wake-up %v after aiocache's release, want under %v", lat[rounds/2], holderLease/20)
		}
		if lat[rounds-1] > holderLease/4 {
			t.Errorf("worst wake-up %v after aiocache's release, want under %v (the holder's lease is %v)", lat[rounds-1], holderLease/4, holderLease)
		}
	})
}

// waitForWatch blocks until a goroutine watches key on s, or fails t.
func waitForWatch(t *testing.T, s *Store, key string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.waiters.Waiting(key) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nobody watches the lock's key")
		}
		time.Sleep(100 * time.Microsecond)
	}
}
