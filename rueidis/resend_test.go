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
		call    func(ctx context.Context, s *Store, key string) error
		// ran tells, from the raw client, that the call has run.
		ran func(raw rd.Client, key string) bool
	}{
		{name: "Increment",
			call: func(ctx context.Context, s *Store, key string) error { _, err := s.Increment(ctx, key, 1); return err },
			ran:  func(raw rd.Client, key string) bool { return rawGet(raw, key) == "1" }},
		{name: "Add",
			call: func(ctx context.Context, s *Store, key string) error { return wantTrue(s.Add(ctx, key, token, 0)) },
			ran:  func(raw rd.Client, key string) bool { return rawGet(raw, key) == string(token) }},
		{name: "CompareAndSwap",
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, "v1") },
			call: func(ctx context.Context, s *Store, key string) error {
				_, swapped, err := s.CompareAndSwap(ctx, key, version("v1"), []byte("v2"), 0)
				return wantTrue(swapped, err)
			},
			ran: func(raw rd.Client, key string) bool { return rawGet(raw, key) == "v2" }},
		{name: "Set", idempotent: true,
			call: func(ctx context.Context, s *Store, key string) error { return s.Set(ctx, key, []byte("v"), 0) },
			ran:  func(raw rd.Client, key string) bool { return rawGet(raw, key) == "v" }},
		{name: "Delete", idempotent: true,
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, "v") },
			call:    func(ctx context.Context, s *Store, key string) error { _, err := s.Delete(ctx, key); return err },
			ran:     func(raw rd.Client, key string) bool { return rawGet(raw, key) == "<nil>" }},
		{name: "Expire", idempotent: true,
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, "v") },
			call: func(ctx context.Context, s *Store, key string) error {
				_, err := s.Expire(ctx, key, time.Hour)
				return err
			},
			ran: func(raw rd.Client, key string) bool { return rawPTTL(raw, key) > 0 }},
		{name: "CompareAndDelete", idempotent: true,
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, string(token)) },
			call: func(ctx context.Context, s *Store, key string) error {
				_, err := s.CompareAndDelete(ctx, key, token)
				return err
			},
			ran: func(raw rd.Client, key string) bool { return rawGet(raw, key) == "<nil>" }},
		{name: "CompareAndExpire", idempotent: true,
			prepare: func(t *testing.T, raw rd.Client, key string) { rawSet(t, raw, key, string(token)) },
			call: func(ctx context.Context, s *Store, key string) error {
				_, err := s.CompareAndExpire(ctx, key, token, time.Hour)
				return err
			},
			ran: func(raw rd.Client, key string) bool { return rawPTTL(raw, key) > 0 }},
	}
	forEachDeployment(t, func(t *testing.T, d deployment) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				raw := d.newClient(t)
				key := testKey(t, New(raw, Options{}))
				if tc.prepare != nil {
					tc.prepare(t, raw, key)
				}
				client, lose := d.lossyClient(t)
				s := New(client, Options{})
				t.Cleanup(func() { _ = s.Close() })
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				errc := make(chan error, 1)
				go func() { errc <- tc.call(ctx, s, key) }()
				awaitRan(t, errc, func() bool { return tc.ran(raw, key) })
				lose()
				err := <-errc
				if tc.idempotent {
					assert.NoError(t, err, "sent again after its reply was lost")
				} else {
					assert.Error(t, err, "a write whose reply was lost reported success: it ran again")
				}
				switch tc.name {
				case "Increment":
					assert.Equal(t, "1", rawGet(raw, key), "an Increment whose reply was lost was applied twice")
				case "Add":
					assert.Equal(t, string(token), rawGet(raw, key))
				case "CompareAndSwap", "Set":
					assert.Equal(t, map[bool]string{true: "v", false: "v2"}[tc.idempotent], rawGet(raw, key))
				}
			})
		}
	})
}

// awaitRan waits until ran reports that the call under way has run on the
// server, and fails t if the call returns first (its reply was not held)
// or if it does not run within 10s.
func awaitRan(t *testing.T, errc <-chan error, ran func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ran() {
		select {
		case err := <-errc:
			t.Fatalf("the call returned (%v) before its reply could be lost", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the call did not run on the server within 10s")
		}
		time.Sleep(2 * time.Millisecond) // polling the server
	}
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
