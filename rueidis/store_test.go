package rueidis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
)

// binaryValues are values that a text-decoding store would mangle.
var binaryValues = map[string][]byte{
	"empty":    {},
	"zeros":    {0, 0, 0},
	"high":     {0xff, 0xfe, 0x80, 0x00, 0x7f},
	"crlf":     []byte("a\r\nb\r\n$3\r\n"),
	"invalid":  {0xc3, 0x28, 0xa0, 0xa1},
	"all":      allBytes(),
	"longtext": bytes.Repeat([]byte("cachekit "), 10000),
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// pttl returns the remaining ttl of key in milliseconds: -1 without
// expiry, -2 for a missing key.
func pttl(t *testing.T, client rd.Client, key string) int64 {
	t.Helper()
	ms, err := client.Do(context.Background(), client.B().Pttl().Key(key).Build()).AsInt64()
	if err != nil {
		t.Fatalf("PTTL %q: %v", key, err)
	}
	return ms
}

func TestValuesRoundTripByteForByte(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, base := context.Background(), testKey(t, s)
		for name, want := range binaryValues {
			key := base + ":" + name
			if err := s.Set(ctx, key, want, 0); err != nil {
				t.Fatalf("Set %s: %v", name, err)
			}
			got, found, err := s.Get(ctx, key)
			if err != nil || !found {
				t.Fatalf("Get %s = found %v, err %v; want a hit", name, found, err)
			}
			if got == nil || !bytes.Equal(got, want) {
				t.Errorf("Get %s = %q (nil %v), want %q", name, got, got == nil, want)
			}
		}
	})
}

func TestGetReturnsBytesWrittenByRedisCLIExactly(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		key := testKey(t, s)
		const foreign = "{\"not\": written by cachekit} \t ünïcode"
		if got := d.cli(t, "SET", key, foreign); got != "OK" {
			t.Fatalf("redis-cli SET printed %q", got)
		}
		got, found, err := s.Get(context.Background(), key)
		if err != nil || !found || string(got) != foreign {
			t.Fatalf("Get = %q, %v, %v; want %q, true, nil", got, found, err, foreign)
		}
	})
}

func TestGetOfMissingKeyIsAMissWithoutError(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		got, found, err := s.Get(context.Background(), testKey(t, s))
		if err != nil || found || got != nil {
			t.Fatalf("Get = %q, %v, %v; want nil, false, nil", got, found, err)
		}
	})
}

func TestSetWithoutTTLRemovesEarlierExpiry(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, client := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if err := s.Set(ctx, key, []byte("v1"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if ms := pttl(t, client, key); ms <= 0 || ms > 60000 {
			t.Fatalf("PTTL after Set with a minute = %d", ms)
		}
		if err := s.Set(ctx, key, []byte("v2"), 0); err != nil {
			t.Fatal(err)
		}
		if ms := pttl(t, client, key); ms != -1 {
			t.Fatalf("PTTL after Set without ttl = %d, want -1 (no expiry)", ms)
		}
	})
}

func TestShortTTLExpires(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if err := s.Set(ctx, key, []byte("v"), 20*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Second)
		for {
			_, found, err := s.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if !found {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("a key with a 20ms ttl still exists after 2s")
			}
			time.Sleep(5 * time.Millisecond) // polling the server's clock
		}
	})
}

func TestMillisRoundsUpAndRejectsNegativeTTL(t *testing.T) {
	for _, tc := range []struct {
		ttl  time.Duration
		want int64
	}{
		{0, 0},
		{time.Nanosecond, 1},
		{999 * time.Microsecond, 1},
		{time.Millisecond, 1},
		{1500 * time.Microsecond, 2},
		{time.Second, 1000},
	} {
		if got := millis(tc.ttl); got != tc.want {
			t.Errorf("millis(%v) = %d; want %d", tc.ttl, got, tc.want)
		}
	}
}

func TestAddWritesOnlyAnAbsentKey(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, client := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		added, err := s.Add(ctx, key, []byte("first"), time.Minute)
		if err != nil || !added {
			t.Fatalf("first Add = %v, %v; want true, nil", added, err)
		}
		if ms := pttl(t, client, key); ms <= 0 {
			t.Errorf("PTTL after Add with a minute = %d", ms)
		}
		added, err = s.Add(ctx, key, []byte("second"), 0)
		if err != nil || added {
			t.Fatalf("second Add = %v, %v; want false, nil", added, err)
		}
		if got, _, _ := s.Get(ctx, key); string(got) != "first" {
			t.Errorf("value after failed Add = %q, want first", got)
		}
		added, err = s.Add(ctx, key+":nottl", []byte("v"), 0)
		if err != nil || !added || pttl(t, client, key+":nottl") != -1 {
			t.Errorf("Add without ttl = %v, %v; want a key without expiry", added, err)
		}
	})
}

func TestDeleteAndExistsReportPresence(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if ok, err := s.Exists(ctx, key); err != nil || ok {
			t.Fatalf("Exists before Set = %v, %v", ok, err)
		}
		if err := s.Set(ctx, key, nil, 0); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Exists(ctx, key); err != nil || !ok {
			t.Fatalf("Exists after Set = %v, %v", ok, err)
		}
		if ok, err := s.Delete(ctx, key); err != nil || !ok {
			t.Fatalf("Delete of present key = %v, %v", ok, err)
		}
		if ok, err := s.Delete(ctx, key); err != nil || ok {
			t.Fatalf("Delete of missing key = %v, %v", ok, err)
		}
	})
}

func TestIncrementCountsAndKeepsExpiry(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, client := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		for _, step := range []struct{ delta, want int64 }{{5, 5}, {-7, -2}, {2, 0}} {
			if got, err := s.Increment(ctx, key, step.delta); err != nil || got != step.want {
				t.Fatalf("Increment(%d) = %d, %v; want %d", step.delta, got, err, step.want)
			}
		}
		if err := s.Set(ctx, key, []byte("41"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Increment(ctx, key, 1); err != nil || got != 42 {
			t.Fatalf("Increment of 41 = %d, %v", got, err)
		}
		if ms := pttl(t, client, key); ms <= 0 {
			t.Errorf("PTTL after Increment = %d, want the expiry kept", ms)
		}
	})
}

func TestIncrementOfNonIntegerIsErrNotIntegerAndKeepsValue(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, base := context.Background(), testKey(t, s)
		for _, val := range []string{"abc", "1.5", "", " 1", "99999999999999999999"} {
			key := base + ":" + val
			if err := s.Set(ctx, key, []byte(val), 0); err != nil {
				t.Fatal(err)
			}
			_, err := s.Increment(ctx, key, 1)
			if !errors.Is(err, cache.ErrNotInteger) || !strings.Contains(err.Error(), key) {
				t.Errorf("Increment of %q: error %v, want ErrNotInteger naming the key", val, err)
			}
			if got, _, _ := s.Get(ctx, key); string(got) != val {
				t.Errorf("value after failed Increment = %q, want %q", got, val)
			}
		}
		key := base + ":max"
		if err := s.Set(ctx, key, []byte("9223372036854775807"), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Increment(ctx, key, 1); !errors.Is(err, cache.ErrNotInteger) {
			t.Errorf("Increment past int64 range: error %v, want ErrNotInteger", err)
		}
	})
}

func TestExpireSetsAndRemovesExpiry(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, client := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		for _, ttl := range []time.Duration{0, time.Minute} {
			if ok, err := s.Expire(ctx, key, ttl); err != nil || ok {
				t.Fatalf("Expire(%v) of missing key = %v, %v; want false", ttl, ok, err)
			}
		}
		if err := s.Set(ctx, key, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		// A key without expiry: PERSIST alone would answer 0.
		if ok, err := s.Expire(ctx, key, 0); err != nil || !ok {
			t.Fatalf("Expire(0) of key without ttl = %v, %v; want true", ok, err)
		}
		if ok, err := s.Expire(ctx, key, time.Minute); err != nil || !ok {
			t.Fatalf("Expire(1m) = %v, %v; want true", ok, err)
		}
		if ms := pttl(t, client, key); ms <= 0 || ms > 60000 {
			t.Fatalf("PTTL after Expire(1m) = %d", ms)
		}
		if ok, err := s.Expire(ctx, key, 0); err != nil || !ok {
			t.Fatalf("Expire(0) of key with ttl = %v, %v; want true", ok, err)
		}
		if ms := pttl(t, client, key); ms != -1 {
			t.Fatalf("PTTL after Expire(0) = %d, want -1", ms)
		}
	})
}

func TestCloseMakesLaterCallsReturnErrClosedAndLeavesClientOpen(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, client := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if _, _, err := s.Watch(ctx, key); err != nil {
			t.Fatal(err) // opens the tracking connection, which Close must give back
		}
		for i := 0; i < 2; i++ {
			if err := s.Close(); err != nil {
				t.Fatalf("Close #%d: %v", i+1, err)
			}
		}
		calls := map[string]error{}
		_, _, calls["Get"] = s.Get(ctx, key)
		_, calls["MultiGet"] = s.MultiGet(ctx, []string{key})
		calls["Set"] = s.Set(ctx, key, nil, 0)
		calls["MultiSet"] = s.MultiSet(ctx, []string{key}, [][]byte{nil}, 0)
		_, calls["Add"] = s.Add(ctx, key, nil, 0)
		_, calls["Delete"] = s.Delete(ctx, key)
		_, calls["Exists"] = s.Exists(ctx, key)
		_, calls["Increment"] = s.Increment(ctx, key, 1)
		_, calls["Expire"] = s.Expire(ctx, key, 0)
		calls["Clear"] = s.Clear(ctx, key)
		_, calls["CompareAndDelete"] = s.CompareAndDelete(ctx, key, nil)
		_, _, _, calls["GetVersion"] = s.GetVersion(ctx, key)
		_, _, calls["CompareAndSwap"] = s.CompareAndSwap(ctx, key, nil, nil, 0)
		_, _, calls["Watch"] = s.Watch(ctx, key)
		for name, err := range calls {
			if !errors.Is(err, cache.ErrClosed) {
				t.Errorf("%s after Close: error %v, want ErrClosed", name, err)
			}
		}
		if err := client.Do(ctx, client.B().Ping().Build()).Error(); err != nil {
			t.Errorf("client after Store.Close: %v, want it still open", err)
		}
	})
}

func TestCancelledContextGivesContextError(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		key := testKey(t, s)
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel2()
		for _, ctx := range []context.Context{cancelled, expired} {
			want := ctx.Err()
			calls := map[string]error{}
			_, _, calls["Get"] = s.Get(ctx, key)
			_, calls["MultiGet"] = s.MultiGet(ctx, []string{key, key + "2"})
			calls["Set"] = s.Set(ctx, key, nil, 0)
			calls["MultiSet"] = s.MultiSet(ctx, []string{key, key + "2"}, [][]byte{nil, nil}, 0)
			_, calls["Add"] = s.Add(ctx, key, nil, 0)
			_, calls["Delete"] = s.Delete(ctx, key)
			_, calls["Exists"] = s.Exists(ctx, key)
			_, calls["Increment"] = s.Increment(ctx, key, 1)
			_, calls["Expire"] = s.Expire(ctx, key, 0)
			_, calls["Expire(1m)"] = s.Expire(ctx, key, time.Minute)
			calls["Clear"] = s.Clear(ctx, key)
			calls["Clear(all)"] = s.Clear(ctx, "")
			_, calls["CompareAndDelete"] = s.CompareAndDelete(ctx, key, nil)
			_, _, _, calls["GetVersion"] = s.GetVersion(ctx, key)
			_, _, calls["CompareAndSwap"] = s.CompareAndSwap(ctx, key, version("x"), nil, 0)
			_, _, calls["Watch"] = s.Watch(ctx, key)
			for name, err := range calls {
				if !errors.Is(err, want) {
					t.Errorf("%s with %v: error %v, want one matching it", name, want, err)
				}
			}
		}
	})
}

func TestErrorsNameOperationAndKey(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		// A list under key makes every string command fail with WRONGTYPE.
		if got := d.cli(t, "RPUSH", key, "x"); got != "1" {
			t.Fatalf("RPUSH printed %q", got)
		}
		_, _, err := s.Get(ctx, key)
		if want := fmt.Sprintf("rueidis: get %q: ", key); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("Get of a list: error %v, want prefix %s", err, want)
		}
		// MGET reads a value of another type as a miss, on both deployments.
		if got, err := s.MultiGet(ctx, []string{key + ":other", key}); err != nil || got[0] != nil || got[1] != nil {
			t.Errorf("MultiGet of a missing key and a list = %q, %v; want two misses", got, err)
		}
	})
}
