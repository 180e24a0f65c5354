package rueidis

import (
	"context"
	"testing"
	"time"
)

func TestCompareAndDeleteDeletesOnlyWithTheRightToken(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		token := []byte{0, 1, 0xfe, 0xff}
		if deleted, err := s.CompareAndDelete(ctx, key, token); err != nil || deleted {
			t.Fatalf("CompareAndDelete of missing key = %v, %v; want false", deleted, err)
		}
		if err := s.Set(ctx, key, token, time.Minute); err != nil {
			t.Fatal(err)
		}
		for _, wrong := range [][]byte{nil, {0, 1, 0xfe}, {0, 1, 0xfe, 0xff, 0}} {
			if deleted, err := s.CompareAndDelete(ctx, key, wrong); err != nil || deleted {
				t.Fatalf("CompareAndDelete with token %q = %v, %v; want false", wrong, deleted, err)
			}
		}
		if ok, _ := s.Exists(ctx, key); !ok {
			t.Fatal("a wrong token deleted the key")
		}
		if deleted, err := s.CompareAndDelete(ctx, key, token); err != nil || !deleted {
			t.Fatalf("CompareAndDelete with the token = %v, %v; want true", deleted, err)
		}
		if ok, _ := s.Exists(ctx, key); ok {
			t.Fatal("the key exists after CompareAndDelete")
		}
	})
}

func TestCompareAndSwapWritesOnlyOverTheVersionRead(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, client := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if err := s.Set(ctx, key, []byte("v1"), 0); err != nil {
			t.Fatal(err)
		}
		val, ver, found, err := s.GetVersion(ctx, key)
		if err != nil || !found || string(val) != "v1" || ver == nil {
			t.Fatalf("GetVersion = %q, %v, %v, %v", val, ver, found, err)
		}
		newVer, swapped, err := s.CompareAndSwap(ctx, key, ver, []byte("v2"), time.Minute)
		if err != nil || !swapped || newVer == nil {
			t.Fatalf("CompareAndSwap over the version read = %v, %v, %v; want a swap", newVer, swapped, err)
		}
		if ms := pttl(t, client, key); ms <= 0 {
			t.Errorf("PTTL after CompareAndSwap with a minute = %d", ms)
		}
		// The old version no longer matches; the new one does.
		if _, swapped, err := s.CompareAndSwap(ctx, key, ver, []byte("stale"), 0); err != nil || swapped {
			t.Fatalf("CompareAndSwap with a stale version = %v, %v; want a conflict", swapped, err)
		}
		if _, swapped, err := s.CompareAndSwap(ctx, key, newVer, []byte("v3"), 0); err != nil || !swapped {
			t.Fatalf("CompareAndSwap with the returned version = %v, %v; want a swap", swapped, err)
		}
		if ms := pttl(t, client, key); ms != -1 {
			t.Errorf("PTTL after CompareAndSwap without ttl = %d, want -1", ms)
		}
		if got, _, _ := s.Get(ctx, key); string(got) != "v3" {
			t.Errorf("value = %q, want v3", got)
		}
	})
}

func TestCompareAndSwapConflictsWhenAnotherWriterChangedTheKey(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if err := s.Set(ctx, key, []byte("v1"), 0); err != nil {
			t.Fatal(err)
		}
		_, ver, _, err := s.GetVersion(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.cli(t, "SET", key, "theirs"); got != "OK" {
			t.Fatalf("redis-cli SET printed %q", got)
		}
		if newVer, swapped, err := s.CompareAndSwap(ctx, key, ver, []byte("mine"), 0); err != nil || swapped || newVer != nil {
			t.Fatalf("CompareAndSwap after a foreign write = %v, %v, %v; want a conflict", newVer, swapped, err)
		}
		if got, _, _ := s.Get(ctx, key); string(got) != "theirs" {
			t.Errorf("value = %q, want the other writer's", got)
		}
	})
}

func TestCompareAndSwapOfDeletedKeyConflicts(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		// An empty value must not match a missing key either.
		if err := s.Set(ctx, key, []byte{}, 0); err != nil {
			t.Fatal(err)
		}
		_, ver, _, err := s.GetVersion(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, swapped, err := s.CompareAndSwap(ctx, key, ver, []byte("v"), 0); err != nil || swapped {
			t.Fatalf("CompareAndSwap of a deleted key = %v, %v; want a conflict", swapped, err)
		}
		if ok, _ := s.Exists(ctx, key); ok {
			t.Error("CompareAndSwap recreated a deleted key")
		}
	})
}

func TestCompareAndSwapWithNilVersionWritesUnconditionally(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		val, ver, found, err := s.GetVersion(ctx, key)
		if err != nil || found || val != nil || ver != nil {
			t.Fatalf("GetVersion of missing key = %q, %v, %v, %v; want a nil version", val, ver, found, err)
		}
		for _, v := range []string{"first", "second"} {
			newVer, swapped, err := s.CompareAndSwap(ctx, key, nil, []byte(v), 0)
			if err != nil || !swapped || newVer == nil {
				t.Fatalf("CompareAndSwap(nil, %s) = %v, %v, %v; want a swap", v, newVer, swapped, err)
			}
		}
		if got, _, _ := s.Get(ctx, key); string(got) != "second" {
			t.Errorf("value = %q, want second", got)
		}
	})
}

func TestCompareAndSwapRejectsForeignVersion(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if _, swapped, err := s.CompareAndSwap(ctx, key, uint64(7), []byte("v"), 0); err == nil || swapped {
			t.Fatalf("CompareAndSwap with a uint64 version = %v, %v; want an error", swapped, err)
		}
	})
}

func TestVersionIsUnaffectedByChangesToTheReturnedBytes(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if err := s.Set(ctx, key, []byte("abc"), 0); err != nil {
			t.Fatal(err)
		}
		val, ver, _, err := s.GetVersion(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		val[0] = 'X'
		if _, swapped, err := s.CompareAndSwap(ctx, key, ver, []byte("new"), 0); err != nil || !swapped {
			t.Fatalf("CompareAndSwap after the caller changed its bytes = %v, %v; want a swap", swapped, err)
		}
	})
}

// extender is the shape of cache.Extender (CompareAndExpire), which
// lock.Red's Extend uses where a store has it.
type extender interface {
	CompareAndExpire(ctx context.Context, key string, token []byte, ttl time.Duration) (bool, error)
}

var _ extender = (*Store)(nil)

func TestCompareAndExpireExtendsOnlyWithTheRightToken(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, client := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		token := []byte{0, 1, 0xfe, 0xff}
		if ok, err := s.CompareAndExpire(ctx, key, token, time.Minute); err != nil || ok {
			t.Fatalf("CompareAndExpire of a missing key = %v, %v; want false", ok, err)
		}
		if ms := pttl(t, client, key); ms != -2 {
			t.Fatalf("CompareAndExpire of a missing key made it (PTTL %d)", ms)
		}
		if err := s.Set(ctx, key, token, time.Minute); err != nil {
			t.Fatal(err)
		}
		for _, wrong := range [][]byte{nil, {0, 1, 0xfe}, {0, 1, 0xfe, 0xff, 0}} {
			if ok, err := s.CompareAndExpire(ctx, key, wrong, time.Hour); err != nil || ok {
				t.Fatalf("CompareAndExpire with token %q = %v, %v; want false", wrong, ok, err)
			}
		}
		if ms := pttl(t, client, key); ms <= 0 || ms > 60000 {
			t.Fatalf("PTTL after CompareAndExpire with wrong tokens = %d; want the minute of Set", ms)
		}
		if ok, err := s.CompareAndExpire(ctx, key, token, time.Hour); err != nil || !ok {
			t.Fatalf("CompareAndExpire with the token = %v, %v; want true", ok, err)
		}
		if ms := pttl(t, client, key); ms <= 60000 || ms > 3600000 {
			t.Fatalf("PTTL after CompareAndExpire of an hour = %d", ms)
		}
		if ok, err := s.CompareAndExpire(ctx, key, token, 0); err != nil || !ok {
			t.Fatalf("CompareAndExpire with ttl 0 = %v, %v; want true", ok, err)
		}
		if ms := pttl(t, client, key); ms != -1 {
			t.Fatalf("PTTL after CompareAndExpire with ttl 0 = %d; want -1 (no expiry)", ms)
		}
		if got, _, _ := s.Get(ctx, key); string(got) != string(token) {
			t.Fatalf("value after CompareAndExpire = %q; want the token unchanged", got)
		}
	})
}
