package memory

import (
	"math/bits"
	"sync/atomic"
)

// table is a shard's index: an open-addressing hash table of entry
// pointers that readers search without a lock while one writer at a time
// (the holder of the shard's lock) changes it.
//
// Its slots are in groups of seven, each with a control word of one byte
// per slot, so that a group is one 64-byte cache line: a lookup loads a
// control word, compares seven 7-bit hash tags at once (the SWAR
// technique of Abseil's and Go's Swiss tables), and dereferences only the
// entries whose tag matches. Groups are probed linearly from the one the
// hash picks, until a group with an empty slot.
//
// Readers never see a half-made change: a writer stores an entry's pointer
// before its tag and clears the tag before the pointer, and a reader
// checks the key of every entry it dereferences. A removed slot becomes a
// tombstone, which keeps later probes going, unless its group still has
// an empty slot, which means no probe ever went past it. When tombstones
// and entries fill the table, the writer builds a new one and publishes it
// with one atomic store; readers still on the old one see it as it was,
// which is the state at some moment during their call.
type table struct {
	groups []group
	// The counts below are kept by the writer, under the shard's lock.
	live  int // entries
	tombs int // tombstones
	limit int // live + tombs that forces a rebuild
}

// slotsPerGroup is how many entries a group holds: seven pointers and a
// control word make 64 bytes.
const slotsPerGroup = 7

// group is seven slots and their control bytes: 0 empty, ctrlTomb for a
// removed entry, 0x80 | seven bits of the hash for an entry. The eighth
// byte of ctrl is always 0 and is masked off.
type group struct {
	ctrl  atomic.Uint64
	slots [slotsPerGroup]atomic.Pointer[entry]
}

const (
	ctrlTomb = 0x01
	lsbs     = 0x0001010101010101 // the low bit of each used control byte
	msbs     = 0x0080808080808080 // the high bit of each used control byte

	// maxLoad is the fraction of slots that entries and tombstones may
	// fill before the table is rebuilt.
	maxLoadNum, maxLoadDen = 7, 8
)

// newTable returns a table with room for n entries below its load limit.
func newTable(n int) *table {
	slots := max(n, 1)*maxLoadDen/maxLoadNum + 1
	g := (slots + slotsPerGroup - 1) / slotsPerGroup
	return &table{
		groups: make([]group, g),
		limit:  g * slotsPerGroup * maxLoadNum / maxLoadDen,
	}
}

// tagOf returns the control byte of an entry with hash h. The low bits of
// the hash make the tag; the high bits choose the group (see home), and
// the bits in between the shard.
func tagOf(h uint64) uint64 { return h&0x7f | 0x80 }

// home returns the group a probe for hash h starts at.
func (t *table) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(t.groups)))
	return int(hi)
}

// matches returns a mask with the high bit set in every control byte of c
// that equals tag, and perhaps in a byte just above one that does; the
// caller checks each candidate's key.
func matches(c, tag uint64) uint64 {
	x := c ^ (lsbs * tag)
	return (x - lsbs) &^ x & msbs
}

// hasEmpty reports whether the control word c has an empty slot.
func hasEmpty(c uint64) bool { return (c-lsbs)&^c&msbs != 0 }

// find returns the entry of key, whose hash is h, or nil. It takes no lock.
func (t *table) find(key string, h uint64) *entry {
	tag, n := tagOf(h), len(t.groups)
	i := t.home(h)
	for range n {
		g := &t.groups[i]
		c := g.ctrl.Load()
		for m := matches(c, tag); m != 0; m &= m - 1 {
			if e := g.slots[bits.TrailingZeros64(m)>>3].Load(); e != nil && e.key == key {
				return e
			}
		}
		if hasEmpty(c) {
			return nil
		}
		if i++; i == n {
			i = 0
		}
	}
	return nil
}

// full reports whether one more insert would pass the load limit.
func (t *table) full() bool { return t.live+t.tombs >= t.limit }

// insert adds e, whose key has hash h and is not in t, in the first free
// slot of its probe sequence. t must not be full. The shard's lock must be
// held.
func (t *table) insert(e *entry, h uint64) {
	tag, n := tagOf(h), len(t.groups)
	for i := t.home(h); ; {
		g := &t.groups[i]
		c := g.ctrl.Load()
		// A free slot (empty or tombstone) has its high bit clear.
		if free := ^c & msbs; free != 0 {
			shift := uint(bits.TrailingZeros64(free)) &^ 7
			if c>>shift&0xff == ctrlTomb {
				t.tombs--
			}
			g.slots[shift>>3].Store(e)
			g.ctrl.Store(c&^(0xff<<shift) | tag<<shift)
			t.live++
			return
		}
		if i++; i == n {
			i = 0
		}
	}
}

// locate returns the group and the slot in it that hold e, whose key has
// hash h, with the group's control word as it read it; g is nil when e is
// not in t. The shard's lock must be held.
func (t *table) locate(e *entry, h uint64) (g *group, j int, c uint64) {
	tag, n := tagOf(h), len(t.groups)
	i := t.home(h)
	for range n {
		g = &t.groups[i]
		c = g.ctrl.Load()
		for m := matches(c, tag); m != 0; m &= m - 1 {
			if j = bits.TrailingZeros64(m) >> 3; g.slots[j].Load() == e {
				return g, j, c
			}
		}
		if hasEmpty(c) {
			return nil, 0, 0
		}
		if i++; i == n {
			i = 0
		}
	}
	return nil, 0, 0
}

// remove takes e, whose key has hash h, out of t, and reports whether it
// was there. The shard's lock must be held.
func (t *table) remove(e *entry, h uint64) bool {
	g, j, c := t.locate(e, h)
	if g == nil {
		return false
	}
	shift := uint(j) << 3
	mark := uint64(0)
	if !hasEmpty(c) {
		mark = ctrlTomb
		t.tombs++
	}
	g.ctrl.Store(c&^(0xff<<shift) | mark<<shift)
	g.slots[j].Store(nil)
	t.live--
	return true
}

// replace puts n, an entry of the same key, in the slot of e, whose key
// has hash h. Readers see e or n there. The shard's lock must be held.
func (t *table) replace(e, n *entry, h uint64) {
	if g, j, _ := t.locate(e, h); g != nil {
		g.slots[j].Store(n)
	}
}

// each calls f for every entry of t. The shard's lock must be held, and f
// must not change t.
func (t *table) each(f func(e *entry)) {
	for i := range t.groups {
		g := &t.groups[i]
		c := g.ctrl.Load()
		for j := range slotsPerGroup {
			if c>>(j<<3)&0x80 != 0 {
				f(g.slots[j].Load())
			}
		}
	}
}

// rebuilt returns a new table holding t's entries, with room for at least
// n of them, and no tombstones. hash returns an entry's hash. The shard's
// lock must be held; the caller publishes the new table.
func (t *table) rebuilt(n int, hash func(e *entry) uint64) *table {
	nt := newTable(max(n, t.live))
	t.each(func(e *entry) { nt.insert(e, hash(e)) })
	return nt
}
