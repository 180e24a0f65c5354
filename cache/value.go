package cache

import (
	"fmt"
	"reflect"
)

// encode marshals val for key k.
func (c *Cache[K, V]) encode(k string, val V) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cache: encode value of key %q: serializer panicked: %v", k, r)
		}
	}()
	b, err = c.ser.Marshal(val)
	if err != nil {
		return nil, fmt.Errorf("cache: encode value of key %q: %w", k, err)
	}
	return b, nil
}

// decode unmarshals the bytes stored under key k. A serializer that fails,
// or panics, gives a *DecodeError.
func (c *Cache[K, V]) decode(k string, b []byte) (v V, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &DecodeError{Key: k, Err: fmt.Errorf("serializer panicked: %v", r)}
		}
	}()
	v, err = c.ser.Unmarshal(b)
	if err != nil {
		var zero V // never a partly decoded value
		return zero, &DecodeError{Key: k, Err: err}
	}
	return v, nil
}

// fromValue turns a Go value held by a ValueStore into a V. Values written
// by this cache come back as they are; integers written by Increment (the
// store keeps them as int64 or as the type they had) are converted to an
// integer V; anything else is a *DecodeError, never a wrong value.
func (c *Cache[K, V]) fromValue(k string, x any) (V, error) {
	if v, ok := x.(V); ok {
		return v, nil
	}
	var zero V
	if x == nil {
		// A nil interface value stored by a cache whose V is an interface.
		if t := reflect.TypeFor[V](); t.Kind() == reflect.Interface {
			return zero, nil
		}
	}
	if v, ok := convertInteger[V](x); ok {
		return v, nil
	}
	return zero, &DecodeError{Key: k, Err: fmt.Errorf("stored value is a %T, not a %v", x, reflect.TypeFor[V]())}
}

// convertInteger converts an integer x to the integer type V, if V is one
// and x fits.
func convertInteger[V any](x any) (V, bool) {
	var v V
	src := reflect.ValueOf(x)
	dst := reflect.ValueOf(&v).Elem()
	switch {
	case !src.IsValid():
		return v, false
	case src.CanInt() && dst.CanInt():
		if dst.OverflowInt(src.Int()) {
			return v, false
		}
		dst.SetInt(src.Int())
	case src.CanUint() && dst.CanUint():
		if dst.OverflowUint(src.Uint()) {
			return v, false
		}
		dst.SetUint(src.Uint())
	case src.CanInt() && dst.CanUint():
		if src.Int() < 0 || dst.OverflowUint(uint64(src.Int())) {
			return v, false
		}
		dst.SetUint(uint64(src.Int()))
	case src.CanUint() && dst.CanInt():
		if src.Uint() > 1<<63-1 || dst.OverflowInt(int64(src.Uint())) {
			return v, false
		}
		dst.SetInt(int64(src.Uint()))
	default:
		return v, false
	}
	return v, true
}
