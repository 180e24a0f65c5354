package rueidis

import (
	"context"
	"testing"
)

// keysPerMaster counts, on each master, the keys that match pattern.
func keysPerMaster(t *testing.T, s *Store, pattern string) []int {
	t.Helper()
	ctx := context.Background()
	masters, err := s.masters(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, len(masters))
	for i, node := range masters {
		var cursor uint64
		for {
			e, err := node.Do(ctx, node.B().Scan().Cursor(cursor).Match(pattern).Count(1000).Build()).AsScanEntry()
			if err != nil {
				t.Fatal(err)
			}
			counts[i] += len(e.Elements)
			if cursor = e.Cursor; cursor == 0 {
				break
			}
		}
	}
	return counts
}

func sum(counts []int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// setAll writes each key with its own name as value.
func setAll(t *testing.T, s *Store, keys ...string) {
	t.Helper()
	vals := make([][]byte, len(keys))
	for i, key := range keys {
		vals[i] = []byte(key)
	}
	if err := s.MultiSet(context.Background(), keys, vals, 0); err != nil {
		t.Fatal(err)
	}
}

func TestMastersAreEveryMasterOfTheDeployment(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		masters, err := s.masters(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		if want := len(d.addrs(t)); len(masters) != want {
			t.Fatalf("masters() found %d nodes, want %d", len(masters), want)
		}
	})
}

func TestClearRemovesItsNamespaceOnEveryMasterAndNothingElse(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		// A small ScanCount makes Clear take many SCAN batches.
		s, _ := d.newStore(t, Options{ScanCount: 7})
		ctx := context.Background()
		base := testKey(t, s)
		foo, foobar := base+"foo", base+"foobar"
		setAll(t, s, manyKeys(foo, 300)...)
		setAll(t, s, manyKeys(foobar, 50)...)
		setAll(t, s, foo, foo+":", foo+"-x")

		before := keysPerMaster(t, s, escapeGlob(foo)+":*")
		if sum(before) != 301 {
			t.Fatalf("%d keys under %s before Clear, want 301", sum(before), foo)
		}
		for i, n := range before {
			if n == 0 {
				t.Fatalf("master %d holds none of the keys: the test does not cover every master (%v)", i, before)
			}
		}

		if err := s.Clear(ctx, foo); err != nil {
			t.Fatalf("Clear(%q): %v", foo, err)
		}
		if n := sum(keysPerMaster(t, s, escapeGlob(foo)+":*")); n != 0 {
			t.Errorf("%d keys under %s survived Clear", n, foo)
		}
		if n := sum(keysPerMaster(t, s, escapeGlob(foobar)+":*")); n != 50 {
			t.Errorf("%d of 50 keys of namespace %s left, want all", n, foobar)
		}
		for _, key := range []string{foo, foo + "-x"} {
			if ok, err := s.Exists(ctx, key); err != nil || !ok {
				t.Errorf("key %q outside the namespace: Exists = %v, %v after Clear", key, ok, err)
			}
		}
	})
}

func TestClearMatchesGlobCharactersOfNamespaceLiterally(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx := context.Background()
		base := testKey(t, s)
		for _, tc := range []struct{ ns, other string }{
			{base + "*", base + "x"},
			{base + "?", base + "y"},
			{base + "[xy]", base + "x"},
			{base + `\`, base + "z"},
			{base + "a]", base + "a"},
		} {
			setAll(t, s, tc.ns+":1", tc.other+":1", tc.ns+"tail:1")
			if err := s.Clear(ctx, tc.ns); err != nil {
				t.Fatalf("Clear(%q): %v", tc.ns, err)
			}
			if ok, _ := s.Exists(ctx, tc.ns+":1"); ok {
				t.Errorf("Clear(%q) left its own key", tc.ns)
			}
			for _, key := range []string{tc.other + ":1", tc.ns + "tail:1"} {
				if ok, _ := s.Exists(ctx, key); !ok {
					t.Errorf("Clear(%q) removed %q", tc.ns, key)
				}
			}
		}
	})
}

func TestEscapeGlobEscapesEveryPatternCharacter(t *testing.T) {
	for in, want := range map[string]string{
		"":          "",
		"plain":     "plain",
		"a*b":       `a\*b`,
		"?[x]":      `\?\[x\]`,
		`back\`:     `back\\`,
		"ünïcode:*": `ünïcode:\*`,
	} {
		if got := escapeGlob(in); got != want {
			t.Errorf("escapeGlob(%q) = %q, want %q", in, got, want)
		}
	}
}

// This test empties the whole database of the shared servers. The tests of
// this package do not run in parallel, so no other test loses keys to it.
func TestClearWithoutNamespaceEmptiesEveryMaster(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		s, _ := d.newStore(t, Options{})
		ctx := context.Background()
		setAll(t, s, manyKeys(testKey(t, s), 200)...)
		if counts := keysPerMaster(t, s, "*"); sum(counts) < 200 {
			t.Fatalf("only %d keys before Clear", sum(counts))
		}
		if err := s.Clear(ctx, ""); err != nil {
			t.Fatalf(`Clear(""): %v`, err)
		}
		masters, err := s.masters(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for i, node := range masters {
			if n, err := node.Do(ctx, node.B().Dbsize().Build()).AsInt64(); err != nil || n != 0 {
				t.Errorf("master %d: DBSIZE = %d, %v after Clear, want 0", i, n, err)
			}
		}
	})
}
