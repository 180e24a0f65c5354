package memory

// expiryHeap is a min-heap, by time, of the entries of a shard that have
// an expiry, so that the sweep and the eviction policy find the expired
// ones first. Only the shard's lock holder uses it.
//
// It keeps nothing in the entries (no index, which would cost every entry
// 8 bytes, expiring or not): an item is the entry and a time at or before
// which the entry expires. A write that moves the expiry later leaves the
// item as it is; one that moves it earlier, or gives an expiry to an entry
// without one, pushes another item. When an item comes up, the entry's
// current expiry decides: the item is dropped if the entry is gone or has
// no expiry, the entry is removed if it has expired, and the item is
// pushed again at the entry's expiry otherwise. When the items outnumber
// twice the entries with an expiry (items of removed entries wait for
// their time otherwise, keeping those entries' 48 bytes alive), the heap
// is compacted.
type expiryHeap []expiryItem

type expiryItem struct {
	at int64 // no later than e's expiry when the item was pushed
	e  *entry
}

// needsItem reports whether a change of an entry's expiry from old to new
// must push an item: the entry's existing item, if any, stays at or before
// its expiry only when the expiry moves later.
func needsItem(old, new int64) bool {
	return new != 0 && (old == 0 || new < old)
}

// push adds an item for e at time at.
func (h *expiryHeap) push(e *entry, at int64) {
	*h = append(*h, expiryItem{at, e})
	h.up(len(*h) - 1)
}

// peek returns the earliest item; h must not be empty.
func (h expiryHeap) peek() expiryItem { return h[0] }

// pop removes the earliest item.
func (h *expiryHeap) pop() {
	old := *h
	last := len(old) - 1
	old[0] = old[last]
	old[last] = expiryItem{}
	*h = old[:last]
	if last > 0 {
		h.down(0)
	}
}

// nextExpired returns an entry that has expired at now, dropping and
// re-filing the items before it as their entries say, or nil if none has.
func (h *expiryHeap) nextExpired(now int64) *entry {
	for len(*h) > 0 {
		it := h.peek()
		if it.at > now {
			return nil
		}
		h.pop()
		if it.e.dead() {
			continue
		}
		switch exp := it.e.expires.Load(); {
		case exp == 0:
		case exp <= now:
			return it.e
		default:
			h.push(it.e, exp)
		}
	}
	return nil
}

// compact drops the items of removed entries and of entries without an
// expiry, and all but one item of each other entry, filed at its expiry.
func (h *expiryHeap) compact() {
	seen := make(map[*entry]struct{}, len(*h)/2)
	items := (*h)[:0]
	for _, it := range *h {
		exp := it.e.expires.Load()
		if _, dup := seen[it.e]; dup || exp == 0 || it.e.dead() {
			continue
		}
		seen[it.e] = struct{}{}
		items = append(items, expiryItem{exp, it.e})
	}
	clear((*h)[len(items):])
	*h = items
	for i := len(items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h expiryHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (h expiryHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r].at < h[l].at {
			c = r
		}
		if h[i].at <= h[c].at {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
