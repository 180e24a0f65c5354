package memcache

import (
	"sync"
	"sync/atomic"
)

// maxSpaces is how many namespaces a store keeps state for (the memcached
// key of the generation, a SHA-256 away, and the generation last seen):
// about 300 bytes each, so at most about 1.2 MiB. A namespace whose state
// was dropped gets it again on its next operation, at the price of one
// more round trip for that read (its generation is read first) and a
// SHA-256.
const maxSpaces = 4096

// space is the state a store keeps for one namespace.
type space struct {
	// genKey is genKey(ns), the memcached key of the namespace's
	// generation.
	genKey string
	// seen is the generation last seen, nil if none (never read, or
	// found missing). It is a hint for reads only: writes always read the
	// current generation.
	seen atomic.Pointer[seenGen]
	// used is set by every use after the first and cleared by a sweep
	// (see spaces.sweep): a namespace not used again since it was made,
	// or since the last sweep, goes first.
	used atomic.Bool
}

// seenGen is a generation this store read, and when it last checked it
// (UnixNano, kept only with Options.GenerationTTL), updated in place so
// that a read that finds it unchanged allocates nothing.
type seenGen struct {
	gen string
	at  atomic.Int64
}

// spaces are the namespaces a store keeps state for, at most maxSpaces
// (per-tenant namespaces come and go: a store never holds the state of
// every namespace it ever used). Lookups take no lock.
type spaces struct {
	m        sync.Map     // namespace (string) to *space
	n        atomic.Int64 // entries of m
	sweeping sync.Mutex   // held by the one sweep at a time
}

// get returns the state of namespace ns, made if the store holds none.
func (t *spaces) get(ns string) *space {
	if v, ok := t.m.Load(ns); ok {
		sp := v.(*space)
		sp.use()
		return sp
	}
	// A new namespace starts unmarked: a burst of namespaces used once
	// (tenants seen once) goes before those in use.
	sp := &space{genKey: genKey(ns)}
	if v, loaded := t.m.LoadOrStore(ns, sp); loaded {
		sp = v.(*space)
		sp.use()
		return sp
	}
	if t.n.Add(1) > maxSpaces {
		t.sweep()
	}
	return sp
}

// use marks sp as used since the last sweep, writing only if it was not,
// so that reads of a busy namespace do not contend on a cache line.
func (sp *space) use() {
	if !sp.used.Load() {
		sp.used.Store(true)
	}
}

// sweep drops namespaces until at most three quarters of maxSpaces are
// left, as a clock: a namespace used again since it was made or since the
// last sweep loses its mark and stays for now, one that was not goes. A second pass drops the rest
// if every namespace was in use. A sweep runs every quarter of maxSpaces
// new namespaces at most, so that it costs a few steps per namespace
// made; a sweep under way is not waited for.
func (t *spaces) sweep() {
	if !t.sweeping.TryLock() {
		return
	}
	defer t.sweeping.Unlock()
	const target = maxSpaces * 3 / 4
	for pass := 0; pass < 2 && t.n.Load() > target; pass++ {
		t.m.Range(func(k, v any) bool {
			sp := v.(*space)
			if pass == 0 && sp.used.Swap(false) {
				return true
			}
			if t.m.CompareAndDelete(k, sp) {
				t.n.Add(-1)
			}
			return t.n.Load() > target
		})
	}
}

// forgetGens forgets the generation seen of every namespace (after a
// flush), keeping their keys.
func (t *spaces) forgetGens() {
	t.m.Range(func(_, v any) bool {
		v.(*space).seen.Store(nil)
		return true
	})
}
