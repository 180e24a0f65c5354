package memcache

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validMemcachedKey reports whether memcached accepts key.
func validMemcachedKey(key string) bool {
	if key == "" || len(key) > maxKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] == 0x7f {
			return false
		}
	}
	return true
}

// storedKey is the memcached key of key at generation gen: through the
// Store of namespace ns when ns is not empty (key is then the rest after
// "ns:"), else through the Store of New.
func storedKey(ns, key, gen string) string {
	if ns != "" {
		return namespacedKey(ns, gen, key)
	}
	return plainKey(key)
}

// oddKeys are keys memcached cannot hold as they are, and keys that look
// like the store's own.
func oddKeys() map[string]string {
	return map[string]string{
		"empty":            "",
		"251 bytes":        strings.Repeat("a", 251),
		"1000 bytes":       strings.Repeat("b", 1000),
		"10000 bytes":      strings.Repeat("c", 10000),
		"space":            "a key with spaces",
		"tab":              "tab\there",
		"newline":          "line\r\nbreak",
		"nul":              "nul\x00byte",
		"del":              "del\x7f",
		"unicode space":    "ключ\u00a0с пробелом",
		"reserved":         reservedPrefix + "x",
		"hashed-looking":   hashKey('p', "whatever"),
		"namespaced shape": "ns:0123456789abcdef:k",
		"namespaced odd":   "ns:a key with spaces",
	}
}

func TestPlainKeyLeavesLegalKeysUnchanged(t *testing.T) {
	for _, key := range []string{"a", "user:42", "user:42:name", "ключ", strings.Repeat("x", 250), "~ck", "ck", "c~k~", "ns:0123456789abcdeg:k"} {
		assert.Equal(t, key, plainKey(key), "legal key %q", key)
	}
}

func TestPlainKeyHashesKeysMemcachedRefusesAndReservedShapes(t *testing.T) {
	seen := make(map[string]string)
	for name, key := range oddKeys() {
		got := plainKey(key)
		assert.True(t, validMemcachedKey(got), "%s: %q is not a valid memcached key", name, got)
		assert.True(t, strings.HasPrefix(got, reservedPrefix), "%s: %q lacks the reserved prefix", name, got)
		if other, dup := seen[got]; dup {
			t.Errorf("%s and %s map to the same key %q", name, other, got)
		}
		seen[got] = name
	}
}

func TestHashedKeyKeepsReadableHead(t *testing.T) {
	got := plainKey("user profile:" + strings.Repeat("z", 300))
	assert.True(t, strings.HasPrefix(got, reservedPrefix+"user_profile:zzz"), "got %q", got)
	assert.LessOrEqual(t, len(got), 95)
}

func TestKindsOfKeyNeverMeet(t *testing.T) {
	// The plain keys that come closest to a namespaced form or a
	// generation key, and the namespaced forms closest to a plain key.
	gen := "0123456789abcdef"
	for _, pair := range [][2]string{
		{"foo:" + gen + ":k", "k"}, // the namespaced form of foo's k, as a plain key
		{reservedPrefix + "x", "x"},
		{"foo", ""},
	} {
		plain, rest := pair[0], pair[1]
		assert.NotEqual(t, plainKey(plain), namespacedKey("foo", gen, rest), "plain %q and foo's %q", plain, rest)
		assert.NotEqual(t, plainKey(plain), genKey("foo"), "plain %q and foo's generation", plain)
		assert.NotEqual(t, namespacedKey("foo", gen, rest), genKey("foo"))
	}
	long := strings.Repeat("l", 300)
	assert.NotEqual(t, plainKey("foo:"+gen+":"+long), namespacedKey("foo", gen, long), "hashed plain and namespaced forms")
}

func TestSplitTakesOnlyTheStoresNamespace(t *testing.T) {
	plain := &Store{state: &state{}}
	ns := &Store{state: plain.state, ns: "foo"}
	cases := []struct {
		s             *Store
		key, ns, rest string
		ok            bool
	}{
		{plain, "foo:bar", "", "foo:bar", false},
		{plain, "plain", "", "plain", false},
		{ns, "foo:bar", "foo", "bar", true},
		{ns, "foo:bar:baz", "foo", "bar:baz", true},
		{ns, "foo:", "foo", "", true},
		{ns, "foobar:x", "", "foobar:x", false},
		{ns, "fo", "", "fo", false},
	}
	for _, c := range cases {
		ns, rest, ok := c.s.split(c.key)
		assert.Equal(t, []any{c.ns, c.rest, c.ok}, []any{ns, rest, ok}, "key %q of namespace %q", c.key, c.s.ns)
	}
}

func FuzzKeys(f *testing.F) {
	for _, key := range oddKeys() {
		f.Add("", key, "", "plain")
	}
	f.Add("foo", "a", "", "foo:0123456789abcdef:a")
	f.Add("ck~x", "y", "ck~x", "z")
	f.Add("", "a b", "", "a_b")
	f.Fuzz(func(t *testing.T, nsA, a, nsB, b string) {
		if strings.Contains(nsA, ":") || strings.Contains(nsB, ":") {
			return // no namespace holds ':'
		}
		for _, gen := range []string{"0123456789abcdef", "fedcba9876543210"} {
			ka, kb := storedKey(nsA, a, gen), storedKey(nsB, b, gen)
			require.True(t, validMemcachedKey(ka), "%q maps to invalid %q", a, ka)
			require.True(t, validMemcachedKey(kb), "%q maps to invalid %q", b, kb)
			if nsA != nsB || a != b {
				require.NotEqual(t, ka, kb, "%q:%q and %q:%q collide", nsA, a, nsB, b)
			}
			if nsA == "" && validMemcachedKey(a) && !strings.HasPrefix(a, reservedPrefix) && !namespacedShape(a) {
				require.Equal(t, a, plainKey(a), "legal key changed")
			}
			if nsB != "" {
				require.NotEqual(t, genKey(nsB), ka, "generation key of %q equals key %q:%q", nsB, nsA, a)
			}
		}
		// A namespaced key at two generations lives under two keys.
		if nsA != "" {
			require.NotEqual(t, storedKey(nsA, a, "0123456789abcdef"), storedKey(nsA, a, "fedcba9876543210"))
		}
	})
}
