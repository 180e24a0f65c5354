package memory

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/decimal"
)

// This file converts between the Go values that entries hold and the byte
// form that the byte methods speak, and does Increment's arithmetic on
// every representation of an integer.

// errNoByteForm is the cause of the *cache.DecodeError of a byte read of a
// value that has no byte form.
var errNoByteForm = errors.New("memory: value has no byte form")

// cloneBytes returns a copy of b that is never nil.
func cloneBytes(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

// toBytes returns a fresh byte form of v, the value of key: a copy of a
// []byte, the bytes of a string, the decimal text of an integer (of any
// integer type, named or not). Any other value gives a *cache.DecodeError.
func toBytes(key string, v any) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return cloneBytes(x), nil
	case string:
		return []byte(x), nil
	case int64:
		return strconv.AppendInt(nil, x, 10), nil
	case int:
		return strconv.AppendInt(nil, int64(x), 10), nil
	}
	rv := reflect.ValueOf(v)
	switch {
	case !rv.IsValid():
	case rv.CanInt():
		return strconv.AppendInt(nil, rv.Int(), 10), nil
	case rv.CanUint():
		return strconv.AppendUint(nil, rv.Uint(), 10), nil
	case rv.Kind() == reflect.String:
		return []byte(rv.String()), nil
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
		return cloneBytes(rv.Bytes()), nil
	}
	return nil, &cache.DecodeError{Key: key, Err: fmt.Errorf("%w: %T", errNoByteForm, v)}
}

// equalBytes reports whether v has a byte form equal to b.
func equalBytes(v any, b []byte) bool {
	switch x := v.(type) {
	case []byte:
		return bytes.Equal(x, b)
	case string:
		return x == string(b)
	}
	var buf [24]byte
	switch rv := reflect.ValueOf(v); {
	case !rv.IsValid():
		return false
	case rv.CanInt():
		return bytes.Equal(strconv.AppendInt(buf[:0], rv.Int(), 10), b)
	case rv.CanUint():
		return bytes.Equal(strconv.AppendUint(buf[:0], rv.Uint(), 10), b)
	case rv.Kind() == reflect.String:
		return rv.String() == string(b)
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
		return bytes.Equal(rv.Bytes(), b)
	}
	return false
}

// errOverflow is the cause of an Increment whose result does not fit the
// stored integer's type (or int64, the type of the result).
var errOverflow = errors.New("result out of range")

// increment adds delta to the integer v and returns the new value, in the
// representation of v (decimal []byte or string, or the same integer
// type), and the result. A value that is not an integer, or a result that
// does not fit, gives an error matching cache.ErrNotInteger.
func increment(v any, delta int64) (any, int64, error) {
	switch x := v.(type) {
	case []byte:
		r, err := addDecimal(string(x), delta)
		if err != nil {
			return nil, 0, err
		}
		return strconv.AppendInt(nil, r, 10), r, nil
	case string:
		r, err := addDecimal(x, delta)
		if err != nil {
			return nil, 0, err
		}
		return strconv.FormatInt(r, 10), r, nil
	case int64:
		r, ok := addInt(x, delta)
		if !ok {
			return nil, 0, overflow(v, delta)
		}
		return r, r, nil
	case int: // the common Cache[K, int], without reflection
		r, ok := addInt(int64(x), delta)
		if !ok || int64(int(r)) != r {
			return nil, 0, overflow(v, delta)
		}
		return int(r), r, nil
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil, 0, fmt.Errorf("%w: nil", cache.ErrNotInteger)
	}
	nv := reflect.New(rv.Type()).Elem()
	var r int64
	switch {
	case rv.CanInt():
		var ok bool
		r, ok = addInt(rv.Int(), delta)
		if !ok || nv.OverflowInt(r) {
			return nil, 0, overflow(v, delta)
		}
		nv.SetInt(r)
	case rv.CanUint():
		u, ok := addUint(rv.Uint(), delta)
		if !ok || u > math.MaxInt64 || nv.OverflowUint(u) {
			return nil, 0, overflow(v, delta)
		}
		nv.SetUint(u)
		r = int64(u)
	case rv.Kind() == reflect.String:
		var err error
		if r, err = addDecimal(rv.String(), delta); err != nil {
			return nil, 0, err
		}
		nv.SetString(strconv.FormatInt(r, 10))
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
		var err error
		if r, err = addDecimal(string(rv.Bytes()), delta); err != nil {
			return nil, 0, err
		}
		nv.SetBytes(strconv.AppendInt(nil, r, 10))
	default:
		return nil, 0, fmt.Errorf("%w: a %T", cache.ErrNotInteger, v)
	}
	return nv.Interface(), r, nil
}

// addDecimal reads s as a decimal int64, by Redis' rules (package
// internal/decimal: no '+', spaces, leading zeros or "-0", which
// strconv.ParseInt would take), and adds delta.
func addDecimal(s string, delta int64) (int64, error) {
	n, ok := decimal.Parse(s)
	if !ok {
		return 0, fmt.Errorf("%w: %q", cache.ErrNotInteger, s)
	}
	r, ok := addInt(n, delta)
	if !ok {
		return 0, overflow(s, delta)
	}
	return r, nil
}

// addInt returns a+b and whether it did not overflow.
func addInt(a, b int64) (int64, bool) {
	r := a + b
	return r, (r > a) == (b > 0)
}

// addUint returns u+delta and whether it stays within [0, MaxUint64].
func addUint(u uint64, delta int64) (uint64, bool) {
	if delta >= 0 {
		r := u + uint64(delta)
		return r, r >= u
	}
	d := uint64(-(delta + 1)) + 1 // |delta|, also for math.MinInt64
	return u - d, d <= u
}

// overflow is the error of adding delta to v beyond the range of its type.
func overflow(v any, delta int64) error {
	return fmt.Errorf("%w: %v%+d: %w", cache.ErrNotInteger, v, delta, errOverflow)
}
