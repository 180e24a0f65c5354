package memcache

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

const (
	// reservedPrefix starts every key that the store derives rather than
	// passes through: hashed forms of keys memcached cannot hold, and the
	// store's internal keys (namespace generations). A stored key that
	// happens to start with it is hashed too, so a derived key can never
	// equal a key that was passed through.
	reservedPrefix = "ck~"
	// maxKeyLen is memcached's limit on the length of a key.
	maxKeyLen = 250
	// headLen is how many bytes of the original key a hashed key keeps, so
	// that it stays readable in memcached's tools.
	headLen = 48
	// genPreimagePrefix starts the text whose hash is a namespace's
	// generation key. See genKey for why it cannot equal a stored form.
	genPreimagePrefix = reservedPrefix + "gen:"
)

// legalKey reports whether memcached accepts key as it is: 1 to 250 bytes,
// none of them a control character, a space or DEL.
func legalKey(key string) bool {
	if len(key) == 0 || len(key) > maxKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// mapKey returns the memcached key of a stored form: the form itself when
// memcached accepts it and it does not start with reservedPrefix, else
// reservedPrefix + a sanitized head of the form + "~" + the unpadded
// base64url SHA-256 of the whole form. The result is always a legal
// memcached key of at most 95 bytes in the hashed case.
//
// Distinct forms give distinct keys: a passed-through form never starts
// with reservedPrefix and a hashed one always does, and two hashed forms
// differ unless SHA-256 collides.
func mapKey(form string) string {
	if legalKey(form) && !strings.HasPrefix(form, reservedPrefix) {
		return form
	}
	return hashKey(form)
}

// hashKey returns the hashed key of form (see mapKey).
func hashKey(form string) string {
	sum := sha256.Sum256([]byte(form))
	head := form
	if len(head) > headLen {
		head = head[:headLen]
	}
	var b strings.Builder
	b.Grow(len(reservedPrefix) + len(head) + 1 + base64.RawURLEncoding.EncodedLen(len(sum)))
	b.WriteString(reservedPrefix)
	for i := 0; i < len(head); i++ {
		c := head[i]
		if c <= ' ' || c >= 0x7f {
			c = '_'
		}
		b.WriteByte(c)
	}
	b.WriteByte('~')
	b.WriteString(base64.RawURLEncoding.EncodeToString(sum[:]))
	return b.String()
}

// splitNamespace returns the namespace of key (the text before its first
// ':') and the rest after that ':'. ok is false for a key without a
// namespace: one with no ':' or one that starts with ':'.
func splitNamespace(key string) (ns, rest string, ok bool) {
	i := strings.IndexByte(key, ':')
	if i <= 0 {
		return "", key, false
	}
	return key[:i], key[i+1:], true
}

// namespacedKey returns the memcached key of rest in namespace ns at
// generation gen: the mapped form "ns:gen:rest".
//
// Forms cannot collide: a key without a namespace is stored under its own
// form, which has no ':' or starts with ':'; a namespaced form has a
// non-empty ns without ':' followed by two ':'-delimited fields, so (ns,
// gen, rest) can be read back from it; and gen never holds ':'.
func namespacedKey(ns, gen, rest string) string {
	return mapKey(ns + ":" + gen + ":" + rest)
}

// genKey returns the memcached key that holds the generation of namespace
// ns. It is the hash of reservedPrefix + "gen:" + ns: a text with exactly
// one ':' that does not start with ':', a shape no stored form has (see
// namespacedKey), so no user key maps to it.
func genKey(ns string) string {
	return hashKey(genPreimagePrefix + ns)
}
