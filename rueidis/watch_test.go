package rueidis

import (
	"context"
	"strconv"
	"testing"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/internal/testserver"
)

// wakeWithin is how soon a watch must learn of a change: it does within a
// millisecond (logged), and one that missed it is never woken; 2s tell the
// two apart on a loaded machine.
const wakeWithin = 2 * time.Second

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

// woken fails t unless ch is closed within wakeWithin, and returns how long
// it took.
func woken(t *testing.T, ch <-chan struct{}, what string) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-ch:
		return time.Since(start)
	case <-time.After(wakeWithin):
		t.Fatalf("the watch was not woken within %v of %s", wakeWithin, what)
		return 0
	}
}

// aiocacheRelease is the release script of aiocache's RedLock (v0.12).
var aiocacheRelease = rd.NewLuaScript(`
if redis.call("get",KEYS[1]) == ARGV[1] then
    return redis.call("del",KEYS[1])
else
    return 0
end`)

func TestWatchWakesOnAChangeByAnyClient(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		raw := d.newClient(t) // no Store: another library, another process
		ctx := context.Background()
		changes := map[string]func(key string){
			"a delete":           func(key string) { raw.Do(ctx, raw.B().Del().Key(key).Build()) },
			"an overwrite":       func(key string) { raw.Do(ctx, raw.B().Set().Key(key).Value("other").Build()) },
			"aiocache's release": func(key string) { aiocacheRelease.Exec(ctx, raw, []string{key}, []string{"token"}) },
			"a new expiry":       func(key string) { raw.Do(ctx, raw.B().Pexpire().Key(key).Milliseconds(60000).Build()) },
		}
		// On a Cluster these keys live on every master.
		keys := manyKeys(testKey(t, s), 8)
		i := 0
		for what, change := range changes {
			for _, key := range keys[2*i : 2*i+2] {
				if err := raw.Do(ctx, raw.B().Set().Key(key).Value("token").Build()).Error(); err != nil {
					t.Fatal(err)
				}
				ch := watch(t, s, key)
				change(key)
				took := woken(t, ch, what)
				t.Logf("woken %v after %s", took, what)
			}
			i++
		}
	})
}

func TestWatchIgnoresOtherKeys(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx := context.Background()
		keys := manyKeys(testKey(t, s), 2)
		for _, key := range keys {
			if err := s.Set(ctx, key, []byte("token"), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		other, watched := watch(t, s, keys[1]), watch(t, s, keys[0])
		if deleted, err := s.CompareAndDelete(ctx, keys[0], []byte("wrong")); err != nil || deleted {
			t.Fatalf("CompareAndDelete with a wrong token = %v, %v", deleted, err)
		}
		if err := s.Set(ctx, keys[1], []byte("changed"), time.Minute); err != nil {
			t.Fatal(err)
		}
		woken(t, other, "the change of its key")
		// Invalidations of one node arrive in order; on a Cluster keys[0]
		// may live elsewhere, so give its (wrong) message time to come.
		time.Sleep(20 * time.Millisecond)
		if isClosed(watched) {
			t.Fatal("a failed release and the change of another key woke a watch")
		}
	})
}

func TestWatchesOfOneKeyAllWakeAndStopLeavesNoEntry(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		_, stop1, err := s.Watch(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		_, stop2, err := s.Watch(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.waiters.Waiting(key); n != 2 {
			t.Fatalf("%d watches of the key, want 2", n)
		}
		stop1()
		stop1() // a second stop is harmless
		stop2()
		if n := s.waiters.Len(); n != 0 {
			t.Fatalf("after stop: watches of %d keys, want none", n)
		}

		if err := s.Set(ctx, key, []byte("token"), time.Minute); err != nil {
			t.Fatal(err)
		}
		a, b := watch(t, s, key), watch(t, s, key)
		if _, err := s.CompareAndDelete(ctx, key, []byte("token")); err != nil {
			t.Fatal(err)
		}
		woken(t, a, "the release")
		woken(t, b, "the release")
		if n := s.waiters.Len(); n != 0 {
			t.Fatalf("after the release: watches of %d keys, want none", n)
		}
	})
}

func TestCloseReturnsTrackingConnectionsAndWakesWatches(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ch := watch(t, s, testKey(t, s))
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
		if !isClosed(ch) {
			t.Error("Close left a watch asleep: it would wait for a store that is gone")
		}
		s.tracking.mu.Lock()
		n := len(s.tracking.conns)
		s.tracking.mu.Unlock()
		if n != 0 {
			t.Errorf("Close kept %d tracking connections", n)
		}
	})
}

func TestBrokenTrackingConnectionWakesWatchesAndIsReplaced(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		ch := watch(t, s, key)
		s.tracking.mu.Lock()
		var conns []*trackConn
		for _, c := range s.tracking.conns {
			conns = append(conns, c)
		}
		s.tracking.mu.Unlock()
		if len(conns) == 0 {
			t.Fatal("no tracking connection after a watch")
		}
		for _, c := range conns {
			id, err := c.dc.Do(ctx, c.dc.B().ClientId().Build()).AsInt64()
			if err != nil {
				t.Fatal(err)
			}
			addr := c.addr
			if addr == "" {
				addr = d.addrs(t)[0]
			}
			testserver.RedisCLI(t, addr, "CLIENT", "KILL", "ID", strconv.FormatInt(id, 10))
		}
		// Changes while the connection was gone were missed: every watch is
		// woken to read its key again.
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("the watch was not woken when its tracking connection broke")
		}
		// The next watch tracks on a new connection.
		if err := s.Set(ctx, key, []byte("token"), time.Minute); err != nil {
			t.Fatal(err)
		}
		again := watch(t, s, key)
		raw := d.newClient(t)
		raw.Do(ctx, raw.B().Del().Key(key).Build())
		woken(t, again, "a delete after the connection was replaced")
	})
}

func TestWatchPollsWhereRedisCannotTrack(t *testing.T) {
	d := deployments[0]
	client, err := rd.NewClient(rd.ClientOption{InitAddress: d.addrs(t), AlwaysRESP2: true, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	s := New(client, Options{PollInterval: 5 * time.Millisecond})
	t.Cleanup(func() { _ = s.Close() })
	key := testKey(t, s)
	start := time.Now()
	ch, stop, err := s.Watch(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	select {
	case <-ch:
		if since := time.Since(start); since < 5*time.Millisecond {
			t.Fatalf("a polling watch woke after %v, before its interval", since)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a polling watch never woke: its caller would never read the key again")
	}
}
