// Package writeseq tells a reader whether a write of a key has returned
// since a moment it noted: package cache counts the writes of remote
// stores as they return, and package loader shares a read under way only
// with callers for which no write of its key returned since the read was
// sent (a read that begins after a write returned must see it).
//
// Writes are counted per stripe of keys, not per key: a write of another
// key of the same stripe only makes a reader read for itself where it
// could have shared, never the reverse.
package writeseq

import (
	"hash/maphash"
	"sync/atomic"
)

// stripes is the number of counters: enough that unrelated writes seldom
// stop a read from being shared.
const stripes = 4096

var (
	seed    = maphash.MakeSeed()
	counts  [stripes]atomic.Uint64
	cleared atomic.Uint64 // writes of every key at once (Clear)
)

// A Mark is the state of the counters of one key at a moment.
type Mark struct {
	stripe *atomic.Uint64
	n, all uint64
}

// Wrote records that a write of key has returned.
func Wrote(key string) { stripe(key).Add(1) }

// WroteAll records that a write of every key (a Clear) has returned.
func WroteAll() { cleared.Add(1) }

// Now returns the mark of key now.
func Now(key string) Mark {
	s := stripe(key)
	return Mark{stripe: s, n: s.Load(), all: cleared.Load()}
}

// Unchanged reports whether no write of the key of m has returned since m
// was taken.
func (m Mark) Unchanged() bool {
	return m.stripe.Load() == m.n && cleared.Load() == m.all
}

func stripe(key string) *atomic.Uint64 {
	return &counts[maphash.String(seed, key)%stripes]
}
