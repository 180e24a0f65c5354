package cache

import (
	"context"
	"reflect"
	"time"
	"unsafe"
)

// heldValues returns how a Cache of V keeps its values in h's ValueStore:
// as words, if V is a word type and the store a WordStore, as h does
// otherwise.
func heldValues[V any](h held[V]) values[V] {
	if ws, ok := h.vs.(WordStore); ok && isWord(reflect.TypeFor[V]()) {
		var zero V
		wt, _ := ws.(WordTTLGetter)
		return words[V]{h, ws, wt, any(zero)}
	}
	return h
}

// isWord reports whether values of t can be held as a word: at most eight
// bytes, no pointers.
func isWord(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64:
		return t.Size() <= 8
	}
	return false
}

// words keeps values of a word type V in a WordStore as their bits, and
// reads and writes them with no allocation; what the word methods do not
// cover (versions, adds, multi-key writes, a value of another type found
// under a key) goes through held.
type words[V any] struct {
	held[V]
	ws   WordStore
	wt   WordTTLGetter // ws, if it tells TTLs with words; else nil
	like any           // a V, whose type the store checks and keeps
}

// toWord returns the bits of v: its bytes in the low bytes, in memory
// order. V is at most eight bytes (see isWord).
func toWord[V any](v V) uint64 {
	var bits uint64
	*(*V)(unsafe.Pointer(&bits)) = v
	return bits
}

// fromWord returns the V whose bytes are the low bytes of bits.
func fromWord[V any](bits uint64) V {
	return *(*V)(unsafe.Pointer(&bits))
}

func (p words[V]) get(ctx context.Context, key string) (v V, found bool, err error) {
	bits, isWord, found, err := p.ws.GetWord(ctx, key, p.like)
	return p.got(ctx, key, bits, isWord, found, err)
}

// got returns the value of key that GetWord's answer says (Cache.Get asks
// GetWord itself), as gotHeld does for GetValue's.
func (p *words[V]) got(ctx context.Context, key string, bits uint64, isWord, found bool, err error) (v V, _ bool, _ error) {
	if err != nil || !found {
		return v, false, err
	}
	if !isWord {
		// Another type (an int64 of Increment, bytes...): as held.
		return p.held.get(ctx, key)
	}
	return fromWord[V](bits), true, nil
}

// getTTL is held's getTTL, reading a word of V as such where the store
// tells its TTL with it.
func (p words[V]) getTTL(ctx context.Context, key string) (v V, ttl time.Duration, found bool, err error) {
	if p.wt == nil {
		return p.held.getTTL(ctx, key)
	}
	bits, ttl, isWord, found, err := p.wt.GetWordTTL(ctx, key, p.like)
	switch {
	case err != nil || !found:
		return v, 0, false, err
	case !isWord:
		// Another type (an int64 of Increment, bytes...): as held.
		return p.held.getTTL(ctx, key)
	}
	return fromWord[V](bits), ttl, true, nil
}

// probeInto is held's probeInto, reading a word of V as such when the
// probe asks for no version (and, for a TTL, when the store tells it).
func (p words[V]) probeInto(ctx context.Context, pr Probe, k string, out *Probed[V]) (err error) {
	if pr.Version || (pr.TTL && p.wt == nil) {
		return p.held.probeInto(ctx, pr, k, out)
	}
	var (
		bits   uint64
		isWord bool
	)
	if pr.TTL {
		bits, out.TTL, isWord, out.Found, err = p.wt.GetWordTTL(ctx, k, p.like)
	} else {
		bits, isWord, out.Found, err = p.ws.GetWord(ctx, k, p.like)
	}
	switch {
	case err != nil:
		*out = Probed[V]{}
		return err
	case out.Found && isWord:
		out.Value = fromWord[V](bits)
		return nil
	case out.Found:
		// Another type (an int64 of Increment, bytes...): as held.
		*out = Probed[V]{}
		return p.held.probeInto(ctx, pr, k, out)
	}
	return p.missing(ctx, pr, k, out)
}

func (p words[V]) multiProbe(ctx context.Context, pr Probe, keys []string) ([]Probed[V], error) {
	return probeEach(ctx, pr, keys, p.probeInto)
}

func (p words[V]) multiGet(ctx context.Context, keys []string, hit func(int, V)) error {
	return getEach(ctx, keys, hit, p.get)
}

func (p words[V]) set(ctx context.Context, key string, v V, ttl time.Duration) error {
	return p.ws.SetWord(ctx, key, p.like, toWord(v), ttl)
}

func (p words[V]) multiSet(ctx context.Context, keys []string, vs []V, ttl time.Duration) error {
	return setEach(ctx, keys, vs, ttl, p.set)
}
