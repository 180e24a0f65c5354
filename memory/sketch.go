package memory

import "math/bits"

// sketch is a count-min sketch of how often keys were used lately, the
// frequency filter of TinyLFU (Einziger, Friedman and Manes, 2017), laid
// out as Caffeine's: 4-bit counters, sixteen to a word, and the four
// counters of a key in one 64-byte block so that an update touches one
// cache line. When the counters have been incremented twenty times the
// shard's size, they are all halved, so that the sketch forgets what was
// popular long ago.
//
// It has two words (32 counters) per entry, where Caffeine and otter have
// one, and halves after twenty times the shard's size, where they halve
// after ten: a shard sees many more keys than it holds (a loop ten times
// the cache, a scan), and with fewer counters, or a shorter memory, keys
// used equally often look different by collisions alone, which makes
// TinyLFU swap them for nothing (on the LIRS traces of
// benchmarks/cmd/hitratio, up to 3 points lost at 10 % of their keys).
//
// Only the holder of the shard's lock uses it: readers never write to it
// (their reads reach it later, when the policy takes them from the entry's
// read counter, see policy.credit).
type sketch struct {
	table  []uint64
	mask   uint64 // blocks - 1
	added  int    // increments since the last halving
	sample int    // increments that trigger a halving
}

// Size and memory of the sketch, per entry of the shard.
const (
	sketchWords  = 2
	sketchSample = 20
)

// init sizes s for a shard of n entries: sketchWords words (16 counters
// each) per entry, rounded up to a power of two.
func (s *sketch) init(n int) {
	words := 1 << bits.Len(uint(max(sketchWords*n, 8)-1))
	s.table = make([]uint64, words)
	s.mask = uint64(words/8) - 1
	s.sample = sketchSample * max(n, 1)
	s.added = 0
}

// counter returns the word and the bit offset of the i-th counter of the
// key whose spread hash is h.
func (s *sketch) counter(h uint64, i uint) (word int, shift uint) {
	block := (h & s.mask) << 3
	c := h >> 32 >> (i << 3)
	return int(block + c&1 + uint64(i)<<1), uint(c>>1&15) << 2
}

// estimate returns how often the key of hash h was used, at most 15.
func (s *sketch) estimate(h uint64) uint64 {
	if s.table == nil {
		return 0
	}
	h = spread(h)
	f := uint64(15)
	for i := range uint(4) {
		w, sh := s.counter(h, i)
		f = min(f, s.table[w]>>sh&15)
	}
	return f
}

// increment records a use of the key of hash h.
func (s *sketch) increment(h uint64) {
	if s.table == nil {
		return
	}
	h = spread(h)
	added := false
	for i := range uint(4) {
		w, sh := s.counter(h, i)
		if s.table[w]>>sh&15 != 15 {
			s.table[w] += 1 << sh
			added = true
		}
	}
	if added {
		if s.added++; s.added >= s.sample {
			s.halve()
		}
	}
}

// halve halves every counter.
func (s *sketch) halve() {
	odd := 0
	for i, w := range s.table {
		odd += bits.OnesCount64(w & 0x1111111111111111)
		s.table[i] = w >> 1 & 0x7777777777777777
	}
	s.added = (s.added - odd/4) / 2
}

// reset forgets every use.
func (s *sketch) reset() {
	clear(s.table)
	s.added = 0
}
