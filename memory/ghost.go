package memory

import "math/bits"

// ghost remembers, approximately, the keys most recently evicted from one
// of the policy's queues: the ghost queues of S3-FIFO (and of ARC, which
// sizes its queues from such hits). It is a direct-mapped table of 16-bit
// fingerprints, one slot per key it should remember: a key is forgotten
// when a later one maps to its slot, on average after as many evictions as
// the table has slots. That costs 2 bytes per remembered key where an
// exact queue of hashes with a map to find them costs about 30, for a hit
// ratio within a few hundredths of a point on the traces of
// benchmarks/cmd/hitratio. A false match (1 in 65536 per lookup) only
// sends one key to the main queue early.
type ghost struct {
	slots []uint16
}

// init sizes g to remember about n keys.
func (g *ghost) init(n int) {
	g.slots = make([]uint16, max(n, 1))
}

// slot returns the slot and the fingerprint (never 0, low bit clear) of
// hash h.
func (g *ghost) slot(h uint64) (int, uint16) {
	h = spread(h ^ 0x9e3779b97f4a7c15)
	i, _ := bits.Mul64(h, uint64(len(g.slots)))
	return int(i), uint16(h)&^1 | 2
}

// add remembers the key of hash h, and whether it had come back before.
func (g *ghost) add(h uint64, again bool) {
	if g.slots == nil {
		return
	}
	i, fp := g.slot(h)
	if again {
		fp |= 1
	}
	g.slots[i] = fp
}

// take reports whether the key of hash h is remembered, and if so whether
// it had come back before, and forgets it.
func (g *ghost) take(h uint64) (found, again bool) {
	if g.slots == nil {
		return false, false
	}
	i, fp := g.slot(h)
	if g.slots[i]&^1 != fp {
		return false, false
	}
	again = g.slots[i]&1 != 0
	g.slots[i] = 0
	return true, again
}

// reset forgets every key.
func (g *ghost) reset() { clear(g.slots) }

// spread mixes the bits of a key's hash for the ghosts and the sketch, so
// that they do not depend on the bits that chose the shard and the slot.
func spread(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}
