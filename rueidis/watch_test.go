package rueidis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/internal/testserver"
)

// wakeWithin is how soon a watcher must learn of a release.
const wakeWithin = 100 * time.Millisecond

// isClosed reports whether ch is closed, without waiting.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// watch starts a watch of key on s and stops it when the test ends.
func watch(t *testing.T, s *Store, key string) <-chan struct{} {
	t.Helper()
	ch, stop, err := s.Watch(context.Background(), key)
	if err != nil {
		t.Fatalf("Watch(%q): %v", key, err)
	}
	t.Cleanup(stop)
	return ch
}

// watcherCount returns the number of watches of key and of watched keys of
// s.
func watcherCount(s *Store, key string) (watchers, keys int) {
	return s.waiters.Waiting(key), s.waiters.Len()
}

func TestWatchWakesOnReleaseByAnotherStoreOnAnotherClient(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		waiter, _ := d.newStore(t, Options{})
		holder, _ := d.newStore(t, Options{})
		ctx := context.Background()
		// On a Cluster these keys live on every master, while the waiter
		// subscribes on one node only.
		for i, key := range manyKeys(testKey(t, holder), 12) {
			token := []byte{byte(i), 0, 0xff}
			if err := holder.Set(ctx, key, token, time.Minute); err != nil {
				t.Fatal(err)
			}
			released := watch(t, waiter, key)
			start := time.Now()
			if deleted, err := holder.CompareAndDelete(ctx, key, token); err != nil || !deleted {
				t.Fatalf("CompareAndDelete = %v, %v", deleted, err)
			}
			select {
			case <-released:
				if i == 0 {
					t.Logf("woken %v after the release", time.Since(start))
				}
			case <-time.After(wakeWithin):
				t.Fatalf("watcher of %q not woken within %v of the release", key, wakeWithin)
			}
		}
	})
}

func TestWatchIgnoresFailedReleasesAndOtherKeys(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx := context.Background()
		keys := manyKeys(testKey(t, s), 3)
		for _, key := range keys {
			if err := s.Set(ctx, key, []byte("token"), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		held, other := watch(t, s, keys[0]), watch(t, s, keys[1])
		if deleted, err := s.CompareAndDelete(ctx, keys[0], []byte("wrong")); err != nil || deleted {
			t.Fatalf("CompareAndDelete with a wrong token = %v, %v", deleted, err)
		}
		if _, err := s.CompareAndDelete(ctx, keys[2], []byte("token")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompareAndDelete(ctx, keys[1], []byte("token")); err != nil {
			t.Fatal(err)
		}
		// Messages arrive in order on the one subscription: once the last
		// release is seen, any message about keys[0] would have been too.
		select {
		case <-other:
		case <-time.After(wakeWithin):
			t.Fatal("watcher of a released key not woken")
		}
		if isClosed(held) {
			t.Fatal("a failed release or the release of other keys woke a watcher")
		}
	})
}

func TestWatchersOfOneKeyAllWakeAndStopLeavesNoEntry(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)

		// Stopped watches leave nothing behind.
		_, stop1, err := s.Watch(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		_, stop2, err := s.Watch(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if w, k := watcherCount(s, key); w != 2 || k != 1 {
			t.Fatalf("%d watchers of %d keys, want 2 of 1", w, k)
		}
		stop1()
		stop1() // a second stop is harmless
		stop2()
		if w, k := watcherCount(s, key); w != 0 || k != 0 {
			t.Fatalf("after stop: %d watchers of %d keys, want none", w, k)
		}

		// A release wakes every watcher of the key and forgets them.
		if err := s.Set(ctx, key, []byte("token"), time.Minute); err != nil {
			t.Fatal(err)
		}
		a, b := watch(t, s, key), watch(t, s, key)
		if _, err := s.CompareAndDelete(ctx, key, []byte("token")); err != nil {
			t.Fatal(err)
		}
		for _, ch := range []<-chan struct{}{a, b} {
			select {
			case <-ch:
			case <-time.After(wakeWithin):
				t.Fatal("a watcher of the released key was not woken")
			}
		}
		if w, k := watcherCount(s, key); w != 0 || k != 0 {
			t.Fatalf("after release: %d watchers of %d keys, want none", w, k)
		}
	})
}

func TestCloseEndsSubscriptionAndWakesWatchers(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		released := watch(t, s, testKey(t, s))
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			_ = s.Close()
		}()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not return")
		}
		select {
		case <-s.hub.done:
		default:
			t.Fatal("Close returned before the subscription goroutines ended")
		}
		if !isClosed(released) {
			t.Error("Close left a watcher asleep: it would wait for a store that is gone")
		}
	})
}

// subscriberIDs returns the ids of the connections of addr that hold a
// subscription.
func subscriberIDs(t *testing.T, addr string) []string {
	t.Helper()
	var ids []string
	for _, line := range strings.Split(testserver.RedisCLI(t, addr, "CLIENT", "LIST"), "\n") {
		if !strings.Contains(line, " sub=1 ") {
			continue
		}
		for _, field := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(field, "id="); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func TestDroppedSubscriptionIsRestoredAndWakesWatchers(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if err := s.Set(ctx, key, []byte("token"), time.Minute); err != nil {
			t.Fatal(err)
		}
		released := watch(t, s, key)
		// The key goes without a release message, as if its release had
		// been announced while nobody listened.
		if got := d.cli(t, "DEL", key); got != "1" {
			t.Fatalf("redis-cli DEL printed %q", got)
		}
		if isClosed(released) {
			t.Fatal("woken without a release message")
		}
		killed := 0
		for _, addr := range d.addrs(t) {
			for _, id := range subscriberIDs(t, addr) {
				testserver.RedisCLI(t, addr, "CLIENT", "KILL", "ID", id)
				killed++
			}
		}
		if killed == 0 {
			t.Fatal("found no subscribed connection to drop")
		}
		select {
		case <-released:
		case <-time.After(5 * time.Second):
			t.Fatal("watcher not woken after the subscription was restored")
		}

		// The restored subscription delivers releases again.
		if err := s.Set(ctx, key, []byte("token"), time.Minute); err != nil {
			t.Fatal(err)
		}
		again := watch(t, s, key)
		if _, err := s.CompareAndDelete(ctx, key, []byte("token")); err != nil {
			t.Fatal(err)
		}
		select {
		case <-again:
		case <-time.After(wakeWithin):
			t.Fatal("restored subscription did not deliver a release")
		}
	})
}

func TestWatchReportsSubscriptionThatCannotBeMade(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		const user = "cachekit-no-channels"
		for _, addr := range d.addrs(t) {
			if got := testserver.RedisCLI(t, addr, "ACL", "SETUSER", user, "reset", "on", "nopass", "~*", "+@all", "resetchannels"); got != "OK" {
				t.Fatalf("ACL SETUSER printed %q", got)
			}
			t.Cleanup(func() { testserver.RedisCLI(t, addr, "ACL", "DELUSER", user) })
		}
		client, err := rd.NewClient(rd.ClientOption{InitAddress: d.addrs(t), Username: user})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(client.Close)
		s := New(client, Options{})
		t.Cleanup(func() { _ = s.Close() })

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		key := testKey(t, s)
		_, _, err = s.Watch(ctx, key)
		if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "NOPERM") {
			t.Fatalf("Watch without channel permission: error %v, want the server's NOPERM", err)
		}
		if k := s.waiters.Len(); k != 0 {
			t.Fatalf("a failed Watch left watches of %d keys", k)
		}
	})
}
