package memcache

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/internal/testserver"
)

// droppable returns a store whose client reaches memcached through a proxy
// that holds replies while hold (if not nil) is on, and the proxy's drop,
// which closes every connection the client has (a server restart, or an
// idle timeout on the way) while the proxy goes on accepting new ones.
func droppable(t *testing.T, hold *testserver.Hold) (*Store, func()) {
	t.Helper()
	addr, drop, _ := testserver.ProxyWithDrop(t, testserver.Memcached(t), testserver.ProxyOptions{Hold: hold})
	client := gm.New(addr)
	client.MaxIdleConns = 4
	client.Timeout = 10 * time.Second // a held reply is lost well before
	s := New(client, Options{})
	t.Cleanup(func() {
		_ = s.Close()
		_ = client.Close()
	})
	return s, drop
}

// warm makes a few calls at once, so that the client has idle connections
// (and the store meta connections) that a drop then kills.
func warm(t *testing.T, s *Store, key string) {
	t.Helper()
	done := make(chan error, 4)
	for range 4 {
		go func() { _, _, err := s.Get(t.Context(), key); done <- err }()
	}
	for range 4 {
		require.NoError(t, <-done)
	}
	_, err := s.Increment(t.Context(), key+"-warm", -1) // a meta connection too
	require.NoError(t, err)
}

// TestDroppedConnectionIsSeenByTheRawClient checks what the retries rest
// on: after a drop, a raw gomemcache call on a pooled connection fails
// with an error that isDrop recognises (it is the store that retries, not
// the client).
func TestDroppedConnectionIsSeenByTheRawClient(t *testing.T) {
	s, drop := droppable(t, nil)
	key := uniq(t, "k")
	require.NoError(t, s.Set(t.Context(), key, []byte("v"), 0))
	drop()
	_, err := s.client.Get(key)
	require.Error(t, err)
	assert.True(t, isDrop(err), "%v (%T) is not recognised as a dropped connection", err, err)
}

// TestIdempotentWritesSurviveADroppedConnection drops the client's
// connections before each of Set, Delete, Expire, CompareAndDelete (the
// Red lock's release), CompareAndExpire (its extend) and a read (with a
// ctx that can end, and with one that cannot, which Get serves on a path
// of its own), as a server restart or an idle timeout does between two
// calls: each is sent again on a fresh connection and succeeds.
func TestIdempotentWritesSurviveADroppedConnection(t *testing.T) {
	s, drop := droppable(t, nil)
	ctx := t.Context()
	for _, ns := range []string{"", uniq(t, "ns")} {
		st := s
		key := uniq(t, "k")
		if ns != "" {
			st = in(s, ns)
			key = ns + ":" + key
		}
		token := []byte("token")
		steps := []struct {
			name string
			call func() error
		}{
			{"Set", func() error { return st.Set(ctx, key, token, time.Minute) }},
			{"Get", func() error {
				val, found, err := st.Get(ctx, key)
				if err == nil && (!found || string(val) != "token") {
					err = errors.New("wrong value after the retry")
				}
				return err
			}},
			{"Get with a ctx that never ends (Get's own path)", func() error {
				val, found, err := st.Get(context.Background(), key)
				if err == nil && (!found || string(val) != "token") {
					err = errors.New("wrong value after the retry")
				}
				return err
			}},
			{"Expire", func() error { return want(st.Expire(ctx, key, time.Hour)) }},
			{"CompareAndExpire", func() error { return want(st.CompareAndExpire(ctx, key, token, time.Hour)) }},
			{"CompareAndDelete", func() error { return want(st.CompareAndDelete(ctx, key, token)) }},
			{"Set again", func() error { return st.Set(ctx, key, token, 0) }},
			{"Delete", func() error { return want(st.Delete(ctx, key)) }},
		}
		for _, step := range steps {
			warm(t, s, uniq(t, "warm"))
			drop()
			assert.NoError(t, step.call(), "%s in namespace %q after the connections dropped", step.name, ns)
		}
	}
}

// want returns err, or an error if ok is false.
func want(ok bool, err error) error {
	if err == nil && !ok {
		err = errors.New("reported false")
	}
	return err
}

// TestWritesWhoseReplyIsLost drops the connection after a write has
// reached memcached and before its reply came back (the proxy holds the
// reply): Set and CompareAndDelete are sent again and succeed; Increment,
// Add and CompareAndSwap return the error, and their write counts once.
func TestWritesWhoseReplyIsLost(t *testing.T) {
	hold := new(testserver.Hold)
	s, drop := droppable(t, hold)
	ctx := t.Context()
	direct := newStore(t, Options{}) // not through the proxy
	// lostReply runs call while the proxy holds the replies to writes,
	// drops the connections once landed reports that call's write
	// reached memcached, then lets replies through (a call sent again
	// gets its own), and returns call's error.
	lostReply := func(t *testing.T, call func() error, landed func() bool) error {
		hold.Start("incr ", "add ", "cas ", "set ") // the writes, not the reads before them
		defer hold.End()
		done := make(chan error, 1)
		go func() { done <- call() }()
		deadline := time.Now().Add(5 * time.Second)
		for !landed() {
			require.True(t, time.Now().Before(deadline), "the write never reached memcached")
			time.Sleep(5 * time.Millisecond)
		}
		drop()
		hold.End()
		return <-done
	}
	holds := func(key, val string) func() bool {
		return func() bool { got, ok := rawValue(t, key); return ok && got == val }
	}
	gone := func(key string) func() bool { return func() bool { _, ok := rawValue(t, key); return !ok } }
	expiring := func(key string) func() bool { return func() bool { ttl, _ := rawTTL(t, key); return ttl > 0 } }

	t.Run("Increment", func(t *testing.T) {
		key := uniq(t, "n")
		require.NoError(t, direct.Set(ctx, key, []byte("5"), 0))
		err := lostReply(t, func() error { _, err := s.Increment(ctx, key, 1); return err }, holds(key, "6"))
		assert.True(t, isNetworkError(err), "Increment whose reply was lost: %v", err)
		assert.Equal(t, "6", mustValue(t, direct, key), "the increment counts once")
	})
	t.Run("Add", func(t *testing.T) {
		key := uniq(t, "a")
		err := lostReply(t, func() error { _, err := s.Add(ctx, key, []byte("x"), 0); return err }, holds(key, "x"))
		assert.True(t, isNetworkError(err), "Add whose reply was lost: %v (sent again, it reports the key taken)", err)
	})
	t.Run("CompareAndSwap", func(t *testing.T) {
		key := uniq(t, "c")
		require.NoError(t, direct.Set(ctx, key, []byte("old"), 0))
		_, ver, _, err := direct.GetVersion(ctx, key)
		require.NoError(t, err)
		err = lostReply(t, func() error { _, _, err := s.CompareAndSwap(ctx, key, ver, []byte("new"), 0); return err }, holds(key, "new"))
		assert.True(t, isNetworkError(err), "CompareAndSwap whose reply was lost: %v (sent again, it reports a conflict)", err)
	})
	t.Run("Set", func(t *testing.T) {
		key := uniq(t, "s")
		err := lostReply(t, func() error { return s.Set(ctx, key, []byte("v"), 0) }, holds(key, "v"))
		assert.NoError(t, err)
		assert.Equal(t, "v", mustValue(t, direct, key))
	})
	t.Run("Expire", func(t *testing.T) {
		key := uniq(t, "e")
		require.NoError(t, direct.Set(ctx, key, []byte("v"), 0))
		var ok bool
		err := lostReply(t, func() (err error) { ok, err = s.Expire(ctx, key, time.Hour); return err }, expiring(key))
		assert.NoError(t, err)
		assert.True(t, ok)
	})
	t.Run("CompareAndExpire", func(t *testing.T) {
		key := uniq(t, "x")
		require.NoError(t, direct.Set(ctx, key, []byte("token"), 0))
		var ok bool
		err := lostReply(t, func() (err error) { ok, err = s.CompareAndExpire(ctx, key, []byte("token"), time.Hour); return err }, expiring(key))
		assert.NoError(t, err)
		assert.True(t, ok, "an extend whose reply was lost")
	})
	t.Run("CompareAndDelete", func(t *testing.T) {
		key := uniq(t, "l")
		require.NoError(t, direct.Set(ctx, key, []byte("token"), time.Minute))
		err := lostReply(t, func() error { _, err := s.CompareAndDelete(ctx, key, []byte("token")); return err }, gone(key))
		assert.NoError(t, err, "a release whose reply was lost")
	})
}

// mustValue returns the value of key in s, failing t on a miss or error.
func mustValue(t *testing.T, s *Store, key string) string {
	t.Helper()
	val, found, err := s.Get(t.Context(), key)
	require.NoError(t, err)
	require.True(t, found, "%s is missing", key)
	return string(val)
}

// isNetworkError reports whether err is a failure of the connection.
func isNetworkError(err error) bool {
	var ne net.Error
	return err != nil && (errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
}
