package cache

import (
	"fmt"
	"strconv"
)

// defaultKeyFunc picks the string form of keys of type K once, at New, so
// that the hot path does no type switch: strings as they are, integers in
// decimal, fmt.Stringer's String, anything else fmt.Sprint.
func defaultKeyFunc[K comparable]() func(K) string {
	var zero K
	switch any(zero).(type) {
	case string:
		return func(k K) string { return any(k).(string) }
	case int:
		return func(k K) string { return strconv.Itoa(any(k).(int)) }
	case int64:
		return func(k K) string { return strconv.FormatInt(any(k).(int64), 10) }
	case int32:
		return func(k K) string { return strconv.FormatInt(int64(any(k).(int32)), 10) }
	case int16:
		return func(k K) string { return strconv.FormatInt(int64(any(k).(int16)), 10) }
	case int8:
		return func(k K) string { return strconv.FormatInt(int64(any(k).(int8)), 10) }
	case uint:
		return func(k K) string { return strconv.FormatUint(uint64(any(k).(uint)), 10) }
	case uint64:
		return func(k K) string { return strconv.FormatUint(any(k).(uint64), 10) }
	case uint32:
		return func(k K) string { return strconv.FormatUint(uint64(any(k).(uint32)), 10) }
	case uint16:
		return func(k K) string { return strconv.FormatUint(uint64(any(k).(uint16)), 10) }
	case uint8:
		return func(k K) string { return strconv.FormatUint(uint64(any(k).(uint8)), 10) }
	case fmt.Stringer:
		return func(k K) string { return any(k).(fmt.Stringer).String() }
	}
	return func(k K) string { return fmt.Sprint(k) }
}

// Key returns the full backend key of key: Namespace + ":" + KeyFunc(key),
// or KeyFunc(key) with no namespace.
func (c *Cache[K, V]) Key(key K) string {
	return c.join(c.keyFunc(key))
}

// KeyWithSuffix returns the backend key of the string KeyFunc(key)+suffix
// in this cache's namespace. lock.Red keeps its entry at
// KeyWithSuffix(key, "-lock").
func (c *Cache[K, V]) KeyWithSuffix(key K, suffix string) string {
	return c.join(c.keyFunc(key) + suffix)
}

func (c *Cache[K, V]) join(k string) string {
	if c.prefix == "" {
		return k
	}
	return c.prefix + k
}
