package rueidis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	rd "github.com/redis/rueidis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/internal/testserver"
)

// killClients closes the connections of every normal client of the
// deployment's masters (CLIENT KILL TYPE normal, from redis-cli), as a
// server restart or a proxy's idle timeout does, and fails tb if there
// were none.
func (d deployment) killClients(tb testing.TB) {
	tb.Helper()
	killed := 0
	for _, addr := range d.addrs(tb) {
		out := testserver.RedisCLI(tb, addr, "CLIENT", "KILL", "TYPE", "normal")
		n, err := strconv.Atoi(strings.TrimSpace(out))
		if err != nil {
			tb.Fatalf("CLIENT KILL on %s printed %q", addr, out)
		}
		killed += n
	}
	if killed == 0 {
		tb.Fatal("CLIENT KILL TYPE normal killed no connection")
	}
}

// TestIdempotentWritesSurviveKilledConnections kills every client
// connection of the server (CLIENT KILL) before each step of a lock's life
// and of a key's: the lock's extension and release, Set, Expire, Get and
// Delete each find their connection dead, are sent again once on a new
// one, and succeed, as if nothing had happened.
func TestIdempotentWritesSurviveKilledConnections(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		key := testKey(t, s)
		// A deadline, as a request has: rueidis then sends each command
		// on the caller's goroutine (no reader of its own on the
		// connection), and learns that the connection was killed only
		// from the command's own failure.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		// The checks read with redis-cli: a connection of its own.
		pttl := func(key string) string { return d.cli(t, "PTTL", key) }
		lock, token := key+"-lock", []byte("token of the holder")
		owned, err := s.Add(ctx, lock, token, time.Minute)
		require.NoError(t, err)
		require.True(t, owned, "acquire")

		steps := []struct {
			name string
			call func() error
		}{
			{"CompareAndExpire (extend)", func() error {
				return wantTrue(s.CompareAndExpire(ctx, lock, token, 10*time.Minute))
			}},
			{"Set", func() error { return s.Set(ctx, key, []byte("v"), 0) }},
			{"Expire", func() error { return wantTrue(s.Expire(ctx, key, 10*time.Minute)) }},
			{"Get", func() error {
				v, found, err := s.Get(ctx, key)
				if err == nil && (!found || string(v) != "v") {
					err = fmt.Errorf("read %q, %v; want v", v, found)
				}
				return err
			}},
			{"Get with a ctx that never ends (Get's direct send)", func() error {
				v, found, err := s.Get(context.Background(), key)
				if err == nil && (!found || string(v) != "v") {
					err = fmt.Errorf("read %q, %v; want v", v, found)
				}
				return err
			}},
			{"Delete", func() error { return wantTrue(s.Delete(ctx, key)) }},
			{"CompareAndDelete (release)", func() error { return wantTrue(s.CompareAndDelete(ctx, lock, token)) }},
		}
		for i, step := range steps {
			d.killClients(t)
			assert.NoError(t, step.call(), "%s after the connections were killed", step.name)
			if i == 0 {
				ms, _ := strconv.Atoi(pttl(lock))
				assert.Greater(t, ms, int(time.Minute/time.Millisecond), "the lease was not extended")
			}
		}
		assert.Equal(t, "-2", pttl(lock), "the lock is still there after its release")
		assert.Equal(t, "-2", pttl(key), "the key is still there after its Delete")
	})
}

// wantTrue turns the (false, nil) of an operation that did nothing into
// an error.
func wantTrue(ok bool, err error) error {
	if err == nil && !ok {
		err = errors.New("reported false")
	}
	return err
}

// replyHold is how long the proxies of lossyClient hold each reply: long
// enough to see, on the server, that a command ran before its reply is
// lost.
const replyHold = 400 * time.Millisecond

// lossyClient returns a client of the deployment whose connections go
// through proxies that hold every reply for replyHold, and lose, which
// closes those connections (losing the replies they hold) and makes the
// client connect directly from then on.
func (d deployment) lossyClient(tb testing.TB) (client rd.Client, lose func()) {
	tb.Helper()
	addrs := d.addrs(tb)
	via := make(map[string]string, len(addrs))
	var kills []func()
	for _, a := range addrs {
		p, kill := testserver.ProxyWith(tb, a, testserver.ProxyOptions{Delay: replyHold})
		via[a] = p
		kills = append(kills, kill)
	}
	var direct atomic.Bool
	client, err := rd.NewClient(rd.ClientOption{
		InitAddress: addrs,
		DialCtxFn: func(ctx context.Context, dst string, dialer *net.Dialer, _ *tls.Config) (net.Conn, error) {
			if p, ok := via[dst]; ok && !direct.Load() {
				dst = p
			}
			return dialer.DialContext(ctx, "tcp", dst)
		},
	})
	if err != nil {
		tb.Fatalf("rueidis client of %s through proxies: %v", d.name, err)
	}
	tb.Cleanup(client.Close)
	return client, func() {
		direct.Store(true)
		for _, kill := range kills {
			kill()
		}
	}
}

// TestWriteWhoseReplyIsLostRunsOnce runs each write through a connection
// that breaks after the server ran it and before its reply came back.
// Those that leave the same when they run twice are sent again and
// succeed; Increment, Add and CompareAndSwap return an error (they may
// have run) and are not sent again: an Increment whose reply was lost is
// applied once, not twice, and Add and CompareAndSwap do not report the
// key as taken or changed by someone else because of their own first
// attempt.
func TestWriteWhoseReplyIsLostRunsOnce(t *testing.T) {
	token := []byte("token")
	cases := []struct {
		name       string
		idempotent bool
		// prepare sets key up, through the raw client.
		prepare func(t *testing.T, raw rd.Client, key string)
		// call runs the write; ok is what it reports when it ran once
		// (a repeat reports otherwise: Increment 2, Add and
		// CompareAndSwap false).
		call func(ctx context.Context, s *Store, key string) (ok bool, err error)
		// ran tells, from the raw client, that the call has run; after
		// is what key holds once it ran once.
		ran   func(raw rd.Client, key string) bool
		after string
	}{
		{name: "Increment", after: "1",
			call: func(ctx context.Context, s *Store, key string) (bool, error) {
				n, err := s.Increment(ctx, key, 1)
				return n == 1, err
			}},
		{name: "Add", after: string(token),
			call: func(ctx context.Context, s *Store, key string) (bool, error) { return s.Add(ctx, key, token, 0) }},
		{name: "CompareAndSwap", after: "v2",
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, "v1") },
			call: func(ctx context.Context, s *Store, key string) (bool, error) {
				_, swapped, err := s.CompareAndSwap(ctx, key, version("v1"), []byte("v2"), 0)
				return swapped, err
			}},
		{name: "Set", idempotent: true, after: "v",
			call: func(ctx context.Context, s *Store, key string) (bool, error) {
				return true, s.Set(ctx, key, []byte("v"), 0)
			}},
		{name: "Delete", idempotent: true, after: "<nil>",
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, "v") },
			call: func(ctx context.Context, s *Store, key string) (bool, error) {
				_, err := s.Delete(ctx, key)
				return true, err
			}},
		{name: "Expire", idempotent: true, after: "v",
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, "v") },
			call: func(ctx context.Context, s *Store, key string) (bool, error) {
				_, err := s.Expire(ctx, key, time.Hour)
				return true, err
			},
			ran: func(raw rd.Client, key string) bool { return rawPTTL(raw, key) > 0 }},
		{name: "CompareAndDelete", idempotent: true, after: "<nil>",
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, string(token)) },
			call: func(ctx context.Context, s *Store, key string) (bool, error) {
				_, err := s.CompareAndDelete(ctx, key, token)
				return true, err
			}},
		{name: "CompareAndExpire", idempotent: true, after: string(token),
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, string(token)) },
			call: func(ctx context.Context, s *Store, key string) (bool, error) {
				_, err := s.CompareAndExpire(ctx, key, token, time.Hour)
				return true, err
			},
			ran: func(raw rd.Client, key string) bool { return rawPTTL(raw, key) > 0 }},
	}
	forEachDeployment(t, func(t *testing.T, d deployment) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ran := tc.ran
				if ran == nil {
					ran = func(raw rd.Client, key string) bool { return rawGet(raw, key) == tc.after }
				}
				raw := d.newClient(t)
				base := testKey(t, New(raw, Options{}))
				// The reply may come through before it can be lost (on a
				// loaded machine the proxy's hold may pass before the test
				// sees that the write ran): such an attempt tells nothing,
				// and another is made.
				for attempt := range lossAttempts {
					key := fmt.Sprint(base, attempt)
					if tc.prepare != nil {
						tc.prepare(t, raw, key)
					}
					client, lose := d.lossyClient(t)
					s := New(client, Options{})
					ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
					type result struct {
						ok  bool
						err error
					}
					done := make(chan result, 1)
					go func() {
						ok, err := tc.call(ctx, s, key)
						done <- result{ok, err}
					}()
					lost := awaitRan(t, func() bool { return ran(raw, key) }, func() bool { return len(done) == 0 })
					if lost {
						lose()
					}
					r := <-done
					cancel()
					_ = s.Close()
					client.Close()
					if tc.idempotent {
						require.NoError(t, r.err, "sent again after its reply was lost (attempt %d)", attempt)
					} else {
						require.True(t, r.ok || r.err != nil, "the write ran again and reported what its first attempt left (attempt %d)", attempt)
						lost = lost && r.err != nil
					}
					require.Equal(t, tc.after, rawGet(raw, key), "what the write left (attempt %d)", attempt)
					if lost {
						return
					}
					t.Logf("attempt %d: the reply came through before it could be lost", attempt)
				}
				t.Fatalf("the reply came through before it could be lost in each of %d attempts", lossAttempts)
			})
		}
	})
}

// lossAttempts bounds the attempts of TestWriteWhoseReplyIsLostRunsOnce to
// lose a reply.
const lossAttempts = 5

// awaitRan waits until ran reports that the call under way has run on the
// server, and reports whether pending still said that the call had not
// returned by then (false: it returned first, its reply was not held). It
// fails t if the call does not run within 10s.
func awaitRan(t *testing.T, ran, pending func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ran() {
		if !pending() {
			return false
		}
		if time.Now().After(deadline) {
			t.Fatal("the call did not run on the server within 10s")
		}
		time.Sleep(2 * time.Millisecond) // polling the server
	}
	return pending()
}

// rawGet returns the value of key read with raw, "<nil>" for a missing
// key, or the error's text.
func rawGet(raw rd.Client, key string) string {
	v, err := raw.Do(context.Background(), raw.B().Get().Key(key).Build()).ToString()
	switch {
	case rd.IsRedisNil(err):
		return "<nil>"
	case err != nil:
		return err.Error()
	}
	return v
}

// rawPTTL returns the PTTL of key read with raw, or -3 on error.
func rawPTTL(raw rd.Client, key string) int64 {
	ms, err := raw.Do(context.Background(), raw.B().Pttl().Key(key).Build()).AsInt64()
	if err != nil {
		return -3
	}
	return ms
}

// rawSet writes val under key with raw.
func rawSet(t *testing.T, raw rd.Client, key, val string) {
	t.Helper()
	if err := raw.Do(context.Background(), raw.B().Set().Key(key).Value(val).Build()).Error(); err != nil {
		t.Fatalf("SET %q: %v", key, err)
	}
}
