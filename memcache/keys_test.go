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

// storedKey is the memcached key of key at generation gen: what every
// operation of the store computes.
func storedKey(key, gen string) string {
	if ns, rest, ok := splitNamespace(key); ok {
		return namespacedKey(ns, gen, rest)
	}
	return mapKey(key)
}

// oddKeys are keys memcached cannot hold as they are, and keys that look
// like the store's own.
func oddKeys() map[string]string {
	return map[string]string{
		"empty":          "",
		"251 bytes":      strings.Repeat("a", 251),
		"1000 bytes":     strings.Repeat("b", 1000),
		"10000 bytes":    strings.Repeat("c", 10000),
		"space":          "a key with spaces",
		"tab":            "tab\there",
		"newline":        "line\r\nbreak",
		"nul":            "nul\x00byte",
		"del":            "del\x7f",
		"unicode space":  "ключ\u00a0с пробелом",
		"reserved":       reservedPrefix + "x",
		"hashed-looking": hashKey("whatever"),
		"long namespace": strings.Repeat("n", 300) + ":k",
		"namespaced odd": "ns:a key with spaces",
	}
}

func TestMapKeyLeavesLegalKeysUnchanged(t *testing.T) {
	for _, key := range []string{"a", "user:42", "ключ", strings.Repeat("x", 250), "~ck", "ck", "c~k~"} {
		assert.Equal(t, key, mapKey(key), "legal key %q", key)
	}
}

func TestMapKeyHashesKeysMemcachedRefuses(t *testing.T) {
	seen := make(map[string]string)
	for name, key := range oddKeys() {
		got := storedKey(key, "0123456789abcdef")
		assert.True(t, validMemcachedKey(got), "%s: %q is not a valid memcached key", name, got)
		assert.True(t, strings.HasPrefix(got, reservedPrefix), "%s: %q lacks the reserved prefix", name, got)
		if other, dup := seen[got]; dup {
			t.Errorf("%s and %s map to the same key %q", name, other, got)
		}
		seen[got] = name
	}
}

func TestHashedKeyKeepsReadableHead(t *testing.T) {
	got := mapKey("user profile:" + strings.Repeat("z", 300))
	assert.True(t, strings.HasPrefix(got, reservedPrefix+"user_profile:zzz"), "got %q", got)
	assert.LessOrEqual(t, len(got), 95)
}

func TestGenerationKeyDiffersFromEveryStoredForm(t *testing.T) {
	// The texts that come closest to a generation key's preimage.
	gk := genKey("foo")
	for _, key := range []string{
		genPreimagePrefix + "foo", reservedPrefix + "gen", "ck~gen:foo",
		"ck~gen:x:foo", ":ck~gen:foo", "foo",
	} {
		for _, gen := range []string{"0000000000000000", "foo"} {
			assert.NotEqual(t, gk, storedKey(key, gen), "key %q gen %q", key, gen)
		}
	}
}

func TestSplitNamespace(t *testing.T) {
	cases := []struct {
		key, ns, rest string
		ok            bool
	}{
		{"plain", "", "plain", false},
		{"foo:bar", "foo", "bar", true},
		{"foo:bar:baz", "foo", "bar:baz", true},
		{":lead", "", ":lead", false},
		{"foo:", "foo", "", true},
		{"", "", "", false},
	}
	for _, c := range cases {
		ns, rest, ok := splitNamespace(c.key)
		assert.Equal(t, []any{c.ns, c.rest, c.ok}, []any{ns, rest, ok}, "key %q", c.key)
	}
}

func FuzzMapKey(f *testing.F) {
	for _, key := range oddKeys() {
		f.Add(key, "plain")
	}
	f.Add("foo:a", "foo:b")
	f.Add("ck~x", "ck~y")
	f.Add("a b", "a_b")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, gen := range []string{"0123456789abcdef", "fedcba9876543210"} {
			ka, kb := storedKey(a, gen), storedKey(b, gen)
			require.True(t, validMemcachedKey(ka), "%q maps to invalid %q", a, ka)
			require.True(t, validMemcachedKey(kb), "%q maps to invalid %q", b, kb)
			if a != b {
				require.NotEqual(t, ka, kb, "%q and %q collide", a, b)
			}
			if validMemcachedKey(a) && !strings.HasPrefix(a, reservedPrefix) {
				require.Equal(t, a, mapKey(a), "legal key changed")
			}
			if ns, _, ok := splitNamespace(a); ok {
				require.NotEqual(t, genKey(ns), kb, "generation key of %q equals key of %q", ns, b)
			}
		}
		// A namespaced key at two generations lives under two keys.
		if _, _, ok := splitNamespace(a); ok {
			require.NotEqual(t, storedKey(a, "0123456789abcdef"), storedKey(a, "fedcba9876543210"))
		}
	})
}
