package cache

import (
	"fmt"
	"strconv"
	"unsafe"
)

// defaultKeyFunc picks the string form of keys of type K once, at New, so
// that the hot path does no type switch: strings as they are and integers
// in decimal (no allocation but the string), fmt.Stringer's String, and
// for every other type a form that keeps distinct keys distinct (see
// keyform.go), or an error for a type that has none.
func defaultKeyFunc[K comparable]() (func(K) string, error) {
	var zero K
	switch any(zero).(type) {
	case string:
		return func(k K) string { return any(k).(string) }, nil
	case int:
		return func(k K) string { return strconv.Itoa(any(k).(int)) }, nil
	case int64:
		return func(k K) string { return strconv.FormatInt(any(k).(int64), 10) }, nil
	case int32:
		return func(k K) string { return strconv.FormatInt(int64(any(k).(int32)), 10) }, nil
	case int16:
		return func(k K) string { return strconv.FormatInt(int64(any(k).(int16)), 10) }, nil
	case int8:
		return func(k K) string { return strconv.FormatInt(int64(any(k).(int8)), 10) }, nil
	case uint:
		return func(k K) string { return strconv.FormatUint(uint64(any(k).(uint)), 10) }, nil
	case uint64:
		return func(k K) string { return strconv.FormatUint(any(k).(uint64), 10) }, nil
	case uint32:
		return func(k K) string { return strconv.FormatUint(uint64(any(k).(uint32)), 10) }, nil
	case uint16:
		return func(k K) string { return strconv.FormatUint(uint64(any(k).(uint16)), 10) }, nil
	case uint8:
		return func(k K) string { return strconv.FormatUint(uint64(any(k).(uint8)), 10) }, nil
	case fmt.Stringer:
		return func(k K) string { return any(k).(fmt.Stringer).String() }, nil
	}
	return reflectKeyFunc[K]()
}

// Key returns the full backend key of key: Namespace + ":" + KeyFunc(key),
// or KeyFunc(key) with no namespace.
func (c *Cache[K, V]) Key(key K) string {
	if c != nil && c.asIs {
		// K is string (see asIs), so key's bytes are a string's.
		return *(*string)(unsafe.Pointer(&key))
	}
	return c.key(key)
}

// key is Key for every cache whose keys are not their own backend keys.
func (c *Cache[K, V]) key(key K) string {
	if c == nil || c.keyFunc == nil {
		return "" // a Cache not made by New, whose operations fail
	}
	return c.join(c.keyFunc(key))
}

// KeyWithSuffix returns the backend key of the string KeyFunc(key)+suffix
// in this cache's namespace. lock.Red keeps its entry at
// KeyWithSuffix(key, "-lock").
func (c *Cache[K, V]) KeyWithSuffix(key K, suffix string) string {
	if c == nil || c.keyFunc == nil {
		return ""
	}
	return c.join(c.keyFunc(key) + suffix)
}

func (c *Cache[K, V]) join(k string) string {
	if c.prefix == "" {
		return k
	}
	return c.prefix + k
}
