package rueidis

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// manyKeys returns n keys under base that spread over many hash slots (and
// so over every master of a Cluster).
func manyKeys(base string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s:%d", base, i)
	}
	return keys
}

func TestMultiGetReturnsHitsInOrderAndNilForMisses(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx := context.Background()
		keys := manyKeys(testKey(t, s), 300)
		var setKeys []string
		var setVals [][]byte
		for i, key := range keys {
			switch i % 3 {
			case 0: // a miss
			case 1:
				setKeys, setVals = append(setKeys, key), append(setVals, []byte{}) // an empty hit
			case 2:
				setKeys, setVals = append(setKeys, key), append(setVals, []byte{byte(i), 0, 0xff})
			}
		}
		if err := s.MultiSet(ctx, setKeys, setVals, 0); err != nil {
			t.Fatalf("MultiSet: %v", err)
		}
		got, err := s.MultiGet(ctx, keys)
		if err != nil {
			t.Fatalf("MultiGet: %v", err)
		}
		if len(got) != len(keys) {
			t.Fatalf("MultiGet returned %d values for %d keys", len(got), len(keys))
		}
		for i, val := range got {
			switch i % 3 {
			case 0:
				if val != nil {
					t.Errorf("key %d (missing) = %q, want nil", i, val)
				}
			case 1:
				if val == nil || len(val) != 0 {
					t.Errorf("key %d (empty) = %q (nil %v), want a non-nil empty slice", i, val, val == nil)
				}
			case 2:
				if want := []byte{byte(i), 0, 0xff}; !bytes.Equal(val, want) {
					t.Errorf("key %d = %q, want %q", i, val, want)
				}
			}
		}
	})
}

func TestMultiGetAndMultiSetOfNoKeys(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx := context.Background()
		if got, err := s.MultiGet(ctx, nil); err != nil || got == nil || len(got) != 0 {
			t.Errorf("MultiGet(nil) = %v, %v; want an empty slice", got, err)
		}
		if err := s.MultiSet(ctx, nil, nil, 0); err != nil {
			t.Errorf("MultiSet(nil) = %v", err)
		}
	})
}

func TestMultiGetOfRepeatedKeyAnswersEachPosition(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx, key := context.Background(), testKey(t, s)
		if err := s.Set(ctx, key, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		got, err := s.MultiGet(ctx, []string{key, key + ":missing", key})
		if err != nil || len(got) != 3 || string(got[0]) != "v" || got[1] != nil || string(got[2]) != "v" {
			t.Fatalf("MultiGet = %q, %v; want [v nil v]", got, err)
		}
	})
}

func TestMultiSetAppliesTTLToEveryKey(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, client := d.newStore(t, Options{})
		ctx := context.Background()
		keys := manyKeys(testKey(t, s), 50)
		vals := make([][]byte, len(keys))
		for i := range vals {
			vals[i] = []byte(keys[i])
		}
		if err := s.MultiSet(ctx, keys, vals, time.Minute); err != nil {
			t.Fatal(err)
		}
		for _, key := range keys {
			if ms := pttl(t, client, key); ms <= 0 || ms > 60000 {
				t.Fatalf("PTTL of %q = %d, want about a minute", key, ms)
			}
		}
		// Rewriting without ttl removes the expiry, as Set does.
		if err := s.MultiSet(ctx, keys, vals, 0); err != nil {
			t.Fatal(err)
		}
		for _, key := range keys {
			if ms := pttl(t, client, key); ms != -1 {
				t.Fatalf("PTTL of %q after MultiSet without ttl = %d, want -1", key, ms)
			}
		}
	})
}
