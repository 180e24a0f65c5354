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

// The memcached keys of the store fall in three disjoint kinds:
//
//   - a plain key (of the Store of New) is stored as it is when memcached
//     accepts it, it does not start with reservedPrefix and it does not
//     have the shape of a namespaced form (see namespacedKey); otherwise as
//     hashKey('p', key);
//   - a namespaced form "ns:gen:rest" is stored as it is when memcached
//     accepts it and it does not start with reservedPrefix, otherwise as
//     hashKey('n', form);
//   - the generation of namespace ns is stored at hashKey('g', ns).
//
// A key stored as it is never starts with reservedPrefix, and a hashed one
// always does; plain and namespaced keys stored as they are differ in
// shape; hashed keys of different kinds differ in the tag hashed with them.
// So two keys share an entry only if they are equal or SHA-256 collides.

// plainKey returns the memcached key of key, a key of the Store of New.
func plainKey(key string) string {
	if legalKey(key) && !strings.HasPrefix(key, reservedPrefix) && !namespacedShape(key) {
		return key
	}
	return hashKey('p', key)
}

// namespacedShape reports whether key has the shape of a namespaced form:
// text without ':', then ':', a generation (genLen hex digits) and ':'.
func namespacedShape(key string) bool {
	i := strings.IndexByte(key, ':')
	if i <= 0 || len(key) < i+genLen+2 || key[i+genLen+1] != ':' {
		return false
	}
	_, err := parseGen([]byte(key[i+1 : i+1+genLen]))
	return err == nil
}

// hashKey returns reservedPrefix + a sanitized head of form + "~" + the
// unpadded base64url SHA-256 of tag and form: a legal memcached key of at
// most 95 bytes, readable in memcached's tools.
func hashKey(tag byte, form string) string {
	h := sha256.New()
	h.Write([]byte{tag})
	h.Write([]byte(form))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
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

// split returns the namespace of key and the rest after its ':': the
// namespace of s (of a Store that Namespace returned) when key starts with
// it and ':'. ok is false for a key of the Store of New, taken as it is.
func (s *Store) split(key string) (ns, rest string, ok bool) {
	if s.ns == "" || len(key) <= len(s.ns) || key[len(s.ns)] != ':' || key[:len(s.ns)] != s.ns {
		return "", key, false
	}
	return s.ns, key[len(s.ns)+1:], true
}

// namespacedKey returns the memcached key of rest in namespace ns at
// generation gen: the form "ns:gen:rest", hashed unless memcached accepts
// it and it does not start with reservedPrefix.
func namespacedKey(ns, gen, rest string) string {
	form := ns + ":" + gen + ":" + rest
	if legalKey(form) && !strings.HasPrefix(form, reservedPrefix) {
		return form
	}
	return hashKey('n', form)
}

// genKey returns the memcached key that holds the generation of namespace
// ns.
func genKey(ns string) string {
	return hashKey('g', ns)
}
