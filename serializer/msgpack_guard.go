package serializer

import (
	"errors"
	"fmt"
	"io"
)

// errMsgpackMisread is the error of a decoder that read a payload byte as
// the start of a value (see checkMsgpack).
var errMsgpackMisread = errors.New("serializer: msgpack: payload read as a value (an extension where a map is expected?)")

// readGuard is the set of byte offsets of an input that the decoder may only
// read as data: a bitmap filled by checkMsgpack.
type readGuard struct {
	bits []uint64
}

// reset makes g an empty set for an input of n bytes.
func (g *readGuard) reset(n int) {
	words := (n + 63) / 64
	if cap(g.bits) < words {
		g.bits = make([]uint64, words)
		return
	}
	g.bits = g.bits[:words]
	clear(g.bits)
}

// mark adds the offsets from, from+1, ..., to-1.
func (g *readGuard) mark(from, to int) {
	for from < to && from%64 != 0 {
		g.bits[from/64] |= 1 << (from % 64)
		from++
	}
	for ; from+64 <= to; from += 64 {
		g.bits[from/64] = ^uint64(0)
	}
	for ; from < to; from++ {
		g.bits[from/64] |= 1 << (from % 64)
	}
}

// has reports whether offset i is in the set.
func (g *readGuard) has(i int) bool {
	return g.bits[i/64]&(1<<(i%64)) != 0
}

// guardedReader is the reader that Msgpack's decoder reads an input from.
// It is an io.Reader and io.ByteScanner over data, so the decoder uses it
// directly, without a buffer of its own, and the decoder reads every code
// with ReadByte. ReadByte refuses an offset in the guard: a byte that the
// walk of checkMsgpack found inside a payload.
type guardedReader struct {
	data  []byte
	pos   int
	guard readGuard
}

// reset makes r read data, whose guard checkMsgpack has filled.
func (r *guardedReader) reset(data []byte) {
	r.data, r.pos = data, 0
}

// Read reads data as bytes.Reader does.
func (r *guardedReader) Read(p []byte) (int, error) {
	if r.pos >= len(r.data) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(p, r.data[r.pos:])
	r.pos += n
	return n, nil
}

// ReadByte returns the next byte, or an error matching errMsgpackMisread,
// leaving the position where it is, if that byte is in the guard.
func (r *guardedReader) ReadByte() (byte, error) {
	if r.pos >= len(r.data) {
		return 0, io.EOF
	}
	if r.guard.has(r.pos) {
		return 0, fmt.Errorf("%w: offset %d", errMsgpackMisread, r.pos)
	}
	c := r.data[r.pos]
	r.pos++
	return c, nil
}

// UnreadByte steps back one byte.
func (r *guardedReader) UnreadByte() error {
	if r.pos == 0 {
		return errors.New("serializer: msgpack: unread at the start of the input")
	}
	r.pos--
	return nil
}
