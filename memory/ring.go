package memory

// ring is a FIFO queue of entries in a circular slice: 8 bytes per entry,
// where a linked list would cost 16 in every entry. Entries enter at the
// back and leave at the front.
//
// Removing an entry from the middle would take a search, so a removed
// entry (marked dead) stays where it is until it reaches the front, where
// pop drops it. live counts the entries that are not dead; when the dead
// outnumber them the ring is compacted, so that it never holds more than
// twice its live entries (plus a little).
//
// A ring grows by a quarter when full and shrinks to a quarter over its
// entries when they fill less than half of it: the policy's rings change
// sizes (entries move from the probation ring to the protected one as they
// are read), and their buffers together stay within about 1.25 slots per
// entry of the shard.
type ring struct {
	buf  []*entry
	head int // index of the front entry
	n    int // entries in buf, dead ones included
	live int // entries not dead
}

// push adds e at the back.
func (r *ring) push(e *entry) {
	if r.n == len(r.buf) {
		r.resize(max(16, len(r.buf)+len(r.buf)/4))
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = e
	r.n++
	r.live++
}

// pop removes and returns the front entry that is not dead, or nil if
// there is none.
func (r *ring) pop() *entry {
	for r.n > 0 {
		e := r.buf[r.head]
		r.buf[r.head] = nil
		if r.head++; r.head == len(r.buf) {
			r.head = 0
		}
		r.n--
		if !e.dead() {
			r.live--
			if len(r.buf) > 256 && 2*r.n < len(r.buf) {
				r.resize(r.n + r.n/4 + 16)
			}
			return e
		}
	}
	return nil
}

// front returns the front entry that is not dead, dropping the dead ones
// before it, or nil.
func (r *ring) front() *entry {
	for r.n > 0 {
		e := r.buf[r.head]
		if !e.dead() {
			return e
		}
		r.buf[r.head] = nil
		if r.head++; r.head == len(r.buf) {
			r.head = 0
		}
		r.n--
	}
	return nil
}

// died records that one of the ring's entries was marked dead, and
// compacts the ring when the dead outnumber the live.
func (r *ring) died() {
	r.live--
	if dead := r.n - r.live; dead > 64 && dead > r.live {
		r.resize(max(16, 2*r.live))
	}
}

// resize moves the ring's live entries, in order, to a buffer of size n,
// which must hold them.
func (r *ring) resize(n int) {
	buf := make([]*entry, n)
	j := 0
	for i := range r.n {
		k := r.head + i
		if k >= len(r.buf) {
			k -= len(r.buf)
		}
		if e := r.buf[k]; !e.dead() {
			buf[j] = e
			j++
		}
	}
	r.buf, r.head, r.n, r.live = buf, 0, j, j
}

// reset empties the ring.
func (r *ring) reset() { *r = ring{} }
