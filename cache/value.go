package cache

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// values is how a Cache keeps its values in its store, chosen once in New:
// as the bytes of its serializer (encoded), or, on a ValueStore with no
// serializer, as they are (held). The read and write paths of a Cache call
// it and never ask which.
type values[V any] interface {
	get(ctx context.Context, key string) (V, bool, error)
	// getTTL is get, and the time the value has left (Cache.ProbeTTL).
	getTTL(ctx context.Context, key string) (V, time.Duration, bool, error)
	getVersion(ctx context.Context, key string) (V, Version, bool, error)
	// multiGet calls hit for each key found, with its position in keys.
	multiGet(ctx context.Context, keys []string, hit func(i int, v V)) error
	set(ctx context.Context, key string, v V, ttl time.Duration) error
	multiSet(ctx context.Context, keys []string, vs []V, ttl time.Duration) error
	add(ctx context.Context, key string, v V, ttl time.Duration) (bool, error)
	compareAndSwap(ctx context.Context, key string, ver Version, v V, ttl time.Duration) (Version, bool, error)
	// multiProbe is Cache.MultiProbe. (Cache.ProbeInto calls each
	// kind's probeInto statically: see there.)
	multiProbe(ctx context.Context, p Probe, keys []string) ([]Probed[V], error)
}

// encoded keeps values as the bytes of a serializer.
type encoded[V any] struct {
	b   *backend
	ser Serializer[V]
}

func (p encoded[V]) get(ctx context.Context, key string) (V, bool, error) {
	data, found, err := p.b.store.Get(ctx, key)
	return decoded(p.ser, key, data, found, err)
}

// decoded returns the value of what a store's Get of key returned, decoded
// with ser.
func decoded[V any](ser Serializer[V], key string, data []byte, found bool, err error) (v V, _ bool, _ error) {
	if err != nil || !found {
		return v, false, err
	}
	v, err = decode(ser, key, data)
	return v, err == nil, err
}

func (p encoded[V]) getTTL(ctx context.Context, key string) (v V, ttl time.Duration, found bool, err error) {
	data, ttl, found, err := p.b.getTTL(ctx, key)
	if err != nil || !found {
		return v, 0, false, err
	}
	if v, err = decode(p.ser, key, data); err != nil {
		return v, 0, false, err
	}
	return v, ttl, true, nil
}

func (p encoded[V]) getVersion(ctx context.Context, key string) (v V, ver Version, found bool, err error) {
	data, ver, found, err := p.b.store.GetVersion(ctx, key)
	if err != nil || !found {
		return v, nil, false, err
	}
	if v, err = decode(p.ser, key, data); err != nil {
		return v, nil, false, err
	}
	return v, ver, true, nil
}

func (p encoded[V]) multiGet(ctx context.Context, keys []string, hit func(int, V)) error {
	all, err := p.b.multiGet(ctx, keys)
	if err != nil {
		return err
	}
	for i, data := range all {
		if data == nil {
			continue
		}
		v, err := decode(p.ser, keys[i], data)
		if err != nil {
			return err
		}
		hit(i, v)
	}
	return nil
}

func (p encoded[V]) set(ctx context.Context, key string, v V, ttl time.Duration) error {
	data, err := encode(p.ser, key, v)
	if err != nil {
		return err
	}
	return p.b.store.Set(ctx, key, data, ttl)
}

func (p encoded[V]) multiSet(ctx context.Context, keys []string, vs []V, ttl time.Duration) error {
	all := make([][]byte, len(vs))
	for i, v := range vs {
		var err error
		if all[i], err = encode(p.ser, keys[i], v); err != nil {
			return err
		}
	}
	return p.b.multiSet(ctx, keys, all, ttl)
}

func (p encoded[V]) add(ctx context.Context, key string, v V, ttl time.Duration) (bool, error) {
	data, err := encode(p.ser, key, v)
	if err != nil {
		return false, err
	}
	return p.b.store.Add(ctx, key, data, ttl)
}

func (p encoded[V]) compareAndSwap(ctx context.Context, key string, ver Version, v V, ttl time.Duration) (Version, bool, error) {
	data, err := encode(p.ser, key, v)
	if err != nil {
		return nil, false, err
	}
	return p.b.store.CompareAndSwap(ctx, key, ver, data, ttl)
}

// held keeps values as they are, in a ValueStore.
type held[V any] struct {
	vs ValueStore
	vt ValueTTLGetter // vs, if it is one
}

func (p held[V]) get(ctx context.Context, key string) (v V, found bool, err error) {
	x, found, err := p.vs.GetValue(ctx, key)
	return gotHeld[V](key, x, found, err)
}

// gotHeld returns the value of key that GetValue's answer says (Cache.Get
// asks GetValue itself).
func gotHeld[V any](key string, x any, found bool, err error) (v V, _ bool, _ error) {
	if err != nil || !found {
		return v, false, err
	}
	v, err = fromValue[V](key, x)
	return v, err == nil, err
}

func (p held[V]) getTTL(ctx context.Context, key string) (v V, ttl time.Duration, found bool, err error) {
	if p.vt == nil {
		v, found, err = p.get(ctx, key)
		return v, 0, found, err
	}
	x, ttl, found, err := p.vt.GetValueTTL(ctx, key)
	if err != nil || !found {
		return v, 0, false, err
	}
	if v, err = fromValue[V](key, x); err != nil {
		return v, 0, false, err
	}
	return v, ttl, true, nil
}

func (p held[V]) getVersion(ctx context.Context, key string) (v V, ver Version, found bool, err error) {
	x, ver, found, err := p.vs.GetValueVersion(ctx, key)
	if err != nil || !found {
		return v, nil, false, err
	}
	if v, err = fromValue[V](key, x); err != nil {
		return v, nil, false, err
	}
	return v, ver, true, nil
}

func (p held[V]) multiGet(ctx context.Context, keys []string, hit func(int, V)) error {
	return getEach(ctx, keys, hit, p.get)
}

// getEach reads the keys one by one with get, calling hit for each found.
func getEach[V any](ctx context.Context, keys []string, hit func(int, V), get func(context.Context, string) (V, bool, error)) error {
	for i, key := range keys {
		v, found, err := get(ctx, key)
		if err != nil {
			return err
		}
		if found {
			hit(i, v)
		}
	}
	return nil
}

func (p held[V]) set(ctx context.Context, key string, v V, ttl time.Duration) error {
	return p.vs.SetValue(ctx, key, v, ttl)
}

func (p held[V]) multiSet(ctx context.Context, keys []string, vs []V, ttl time.Duration) error {
	return setEach(ctx, keys, vs, ttl, p.set)
}

// setEach writes the keys one by one with set.
func setEach[V any](ctx context.Context, keys []string, vs []V, ttl time.Duration, set func(context.Context, string, V, time.Duration) error) error {
	for i, key := range keys {
		if err := set(ctx, key, vs[i], ttl); err != nil {
			return err
		}
	}
	return nil
}

func (p held[V]) add(ctx context.Context, key string, v V, ttl time.Duration) (bool, error) {
	return p.vs.AddValue(ctx, key, v, ttl)
}

func (p held[V]) compareAndSwap(ctx context.Context, key string, ver Version, v V, ttl time.Duration) (Version, bool, error) {
	return p.vs.CompareAndSwapValue(ctx, key, ver, v, ttl)
}

// encode marshals v, the value of key.
func encode[V any](ser Serializer[V], key string, v V) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cache: encode value of key %q: serializer panicked: %v", key, r)
		}
	}()
	b, err = ser.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cache: encode value of key %q: %w", key, err)
	}
	return b, nil
}

// decode unmarshals the bytes stored under key. A serializer that fails, or
// panics, gives a *DecodeError.
func decode[V any](ser Serializer[V], key string, b []byte) (v V, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero V
			v, err = zero, &DecodeError{Key: key, Err: fmt.Errorf("serializer panicked: %v", r)}
		}
	}()
	v, err = ser.Unmarshal(b)
	if err != nil {
		var zero V // never a partly decoded value
		return zero, &DecodeError{Key: key, Err: err}
	}
	return v, nil
}

// fromValue turns a Go value held by a ValueStore into a V. Values written
// by a Cache of V come back as they are; integers written by Increment (an
// int64 for a key it created) are converted to an integer V; bytes,
// strings and integers are read as a string or []byte V as a byte store
// would give them (a copy; an integer as its decimal text, as Increment
// leaves it on a byte store); anything else is a *DecodeError, never a
// wrong value.
func fromValue[V any](key string, x any) (V, error) {
	if v, ok := x.(V); ok {
		return v, nil
	}
	var zero V
	switch any(zero).(type) {
	case string:
		if b, ok := x.([]byte); ok {
			return any(string(b)).(V), nil
		}
		if n, ok := convertInteger[int64](x); ok {
			return any(strconv.FormatInt(n, 10)).(V), nil
		}
	case []byte:
		if s, ok := x.(string); ok {
			return any([]byte(s)).(V), nil
		}
		if n, ok := convertInteger[int64](x); ok {
			return any(strconv.AppendInt(nil, n, 10)).(V), nil
		}
	}
	if x == nil {
		// A nil interface value stored by a cache whose V is an interface.
		if t := reflect.TypeFor[V](); t.Kind() == reflect.Interface {
			return zero, nil
		}
	}
	if v, ok := convertInteger[V](x); ok {
		return v, nil
	}
	return zero, &DecodeError{Key: key, Err: fmt.Errorf("stored value is a %T, not a %v", x, reflect.TypeFor[V]())}
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
