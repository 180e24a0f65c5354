package serializer

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/cachekit/cachekit/cache"
)

var _ cache.Serializer[int] = msgpackSerializer[int]{}

// Msgpack returns the MessagePack serializer of V, built on
// github.com/vmihailenco/msgpack/v5.
//
// Struct fields are named by their `msgpack` tag, else their `json` tag,
// else the Go field name, so a struct written for JSON keeps its field names
// and its `json:"-"` and `omitempty` choices. Byte slices, strings with
// invalid UTF-8, nil versus empty slices and maps, and time.Time (as an
// instant, returned in the local zone) round-trip exactly. See the package
// documentation for the rest.
//
// Unmarshal accepts exactly one msgpack value, checks its length prefixes
// against the input before decoding (see the package documentation), and
// turns a panic of the decoder into an error. Encoders, their buffers and
// decoders are pooled and reused; the slice Marshal returns is the caller's.
//
// It is no cache.DecimalReader: it would read the text "5" that Increment
// writes as the number 53, so a cache with it refuses Increment.
func Msgpack[V any]() cache.Serializer[V] { return msgpackSerializer[V]{} }

type msgpackSerializer[V any] struct{}

// structTag is the tag msgpack falls back to when a field has no `msgpack`
// tag.
const structTag = "json"

// maxPooledBuffer is the largest encode buffer kept for reuse; a larger one,
// grown by a rare big value, is left to the garbage collector.
const maxPooledBuffer = 64 << 10

type msgpackEncoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

type msgpackDecoder struct {
	r   guardedReader
	dec *msgpack.Decoder
}

// maxPooledGuard is the largest guard (in words) of a pooled decoder: that
// of a 512 KiB input. A larger one is left to the garbage collector.
const maxPooledGuard = 8 << 10

// The pools hold encoders and decoders configured once; ResetWriter and
// ResetReader keep that configuration (Reset would clear it). msgpack's own
// Marshal and Unmarshal are not used: Unmarshal turns on preallocation,
// which starts a goroutine per decoded type that never stops.
var (
	msgpackEncoders = sync.Pool{New: func() any {
		e := new(msgpackEncoder)
		e.enc = msgpack.NewEncoder(&e.buf)
		e.enc.SetCustomStructTag(structTag)
		return e
	}}
	msgpackDecoders = sync.Pool{New: func() any {
		d := new(msgpackDecoder)
		d.dec = msgpack.NewDecoder(&d.r)
		d.dec.SetCustomStructTag(structTag)
		return d
	}}
)

// Marshal encodes v as one msgpack value into a new slice.
func (msgpackSerializer[V]) Marshal(v V) (data []byte, err error) {
	e := msgpackEncoders.Get().(*msgpackEncoder)
	defer func() {
		// A panicking encoder (a MarshalMsgpack method, say) may be left
		// half-way: drop it rather than reuse it.
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("serializer: msgpack: encoder panicked: %v", r)
			return
		}
		if e.buf.Cap() <= maxPooledBuffer {
			msgpackEncoders.Put(e)
		}
	}()
	e.buf.Reset()
	e.enc.ResetWriter(&e.buf)
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// Unmarshal decodes data, which must be exactly one msgpack value, into a
// new V.
func (msgpackSerializer[V]) Unmarshal(data []byte) (v V, err error) {
	d := msgpackDecoders.Get().(*msgpackDecoder)
	defer func() {
		if r := recover(); r != nil {
			var zero V
			v, err = zero, fmt.Errorf("serializer: msgpack: decoder panicked: %v", r)
			return
		}
		d.r.reset(nil) // do not keep the caller's data alive
		d.dec.ResetReader(&d.r)
		if cap(d.r.guard.bits) <= maxPooledGuard {
			msgpackDecoders.Put(d)
		}
	}()
	if err := checkMsgpack(data, &d.r.guard); err != nil {
		return v, err
	}
	d.r.reset(data)
	d.dec.ResetReader(&d.r)
	if err := d.dec.Decode(&v); err != nil {
		var zero V
		return zero, err
	}
	return v, nil
}
