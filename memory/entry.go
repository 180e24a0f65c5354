package memory

import "sync/atomic"

// Where an entry is queued for eviction.
const (
	inNone  uint8 = iota // unbounded store: no queue
	inSmall              // S3-FIFO's small (probation) queue
	inMain               // S3-FIFO's main queue
)

// maxFreq caps an entry's read counter: an entry read at least this often
// since it last reached the end of the main queue survives that many
// further passes.
const maxFreq = 3

// entry is one key of a shard. Every field but freq is written only under
// the shard's write lock and read under either lock; freq is bumped by
// readers holding only the read lock, so it is atomic.
type entry struct {
	key     string
	val     any   // []byte written by the byte path (owned by the store), anything from the value path
	expires int64 // in the store's clock (see Store.now); 0: never
	version uint64
	hash    uint64 // maphash of key, for the ghost queue

	freq    atomic.Uint32 // reads since the last eviction pass, capped at maxFreq
	queue   uint8         // inNone, inSmall or inMain
	heapIdx int           // index in the shard's expiry heap; -1 when not in it

	prev, next *entry // neighbours in the queue: prev is newer, next is older
}

// expired reports whether e has expired at time now.
func (e *entry) expired(now int64) bool {
	return e.expires != 0 && now >= e.expires
}

// touch records a read of e for the eviction policy. Once the counter is
// at its cap a read writes nothing, so hot keys cause no cache-line
// traffic between cores.
func (e *entry) touch() {
	if e.freq.Load() < maxFreq {
		// A race between two readers may let the counter pass the cap by
		// one; eviction only tests it against zero and decrements it.
		e.freq.Add(1)
	}
}

// fifo is an intrusive doubly linked FIFO queue of entries: new entries
// enter at head, eviction looks at tail.
type fifo struct {
	head, tail *entry
	len        int
}

// pushHead adds e at the head of q.
func (q *fifo) pushHead(e *entry) {
	e.prev = nil
	e.next = q.head
	if q.head != nil {
		q.head.prev = e
	} else {
		q.tail = e
	}
	q.head = e
	q.len++
}

// remove unlinks e, which must be in q.
func (q *fifo) remove(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		q.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		q.tail = e.prev
	}
	e.prev, e.next = nil, nil
	q.len--
}

// expiryHeap is a min-heap of the entries of a shard that have an expiry,
// ordered by expiry time. Each entry knows its index, so that it can be
// removed or moved when it is deleted or gets a new TTL.
type expiryHeap []*entry

// push adds e, which must have an expiry and not be in h.
func (h *expiryHeap) push(e *entry) {
	e.heapIdx = len(*h)
	*h = append(*h, e)
	h.up(len(*h) - 1)
}

// remove takes e, which must be in h, out of h.
func (h *expiryHeap) remove(e *entry) {
	i := e.heapIdx
	last := len(*h) - 1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	e.heapIdx = -1
	if i != last {
		h.fix(i)
	}
}

// fix restores the heap order after the expiry of the entry at i changed.
func (h expiryHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

// peek returns the entry that expires first, or nil.
func (h expiryHeap) peek() *entry {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

func (h expiryHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

func (h expiryHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].expires <= h[i].expires {
			return
		}
		h.swap(i, p)
		i = p
	}
}

// down moves the entry at i towards the leaves and reports whether it moved.
func (h expiryHeap) down(i int) bool {
	start := i
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && h[r].expires < h[l].expires {
			c = r
		}
		if h[i].expires <= h[c].expires {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}
