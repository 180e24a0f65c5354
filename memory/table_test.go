package memory

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tableHash is a hash for the table tests that puts keys of the same
// number modulo 8 on the same tag and many keys in few groups, so that
// probes go through full groups, tombstones and wrap-around.
func tableHash(key string) uint64 {
	n, _ := strconv.ParseUint(key[1:], 10, 64)
	return (n%16)<<60 | n%8
}

func TestTableFindsEveryEntryThroughRemovalsAndRebuilds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tab := newTable(8)
	model := map[string]*entry{}
	hash := func(e *entry) uint64 { return tableHash(e.key) }
	for range 20_000 {
		key := "k" + strconv.Itoa(r.IntN(300))
		h := tableHash(key)
		if e, ok := model[key]; ok {
			require.Same(t, e, tab.find(key, h), key)
			require.True(t, tab.remove(e, h), key)
			require.False(t, tab.remove(e, h), "%s removed twice", key)
			delete(model, key)
		} else {
			require.Nil(t, tab.find(key, h), key)
			if tab.full() {
				tab = tab.rebuilt(2*tab.live+1, hash)
				require.Zero(t, tab.tombs, "a rebuilt table has no tombstones")
			}
			e := &entry{key: key}
			tab.insert(e, h)
			model[key] = e
		}
		require.Equal(t, len(model), tab.live)
	}
	n := 0
	tab.each(func(e *entry) {
		n++
		assert.Same(t, model[e.key], e)
	})
	assert.Equal(t, len(model), n)
}

func TestTableRemovalKeepsLaterEntriesOfTheProbeReachable(t *testing.T) {
	tab := newTable(12) // two groups of seven slots
	require.Len(t, tab.groups, 2)
	// Seven keys with the same home group fill it; the eighth goes on to
	// the next group. Removing one of the first seven must leave a
	// tombstone, not an empty slot that would end the eighth's probe.
	var es []*entry
	for i := range 8 {
		e := &entry{key: "k" + strconv.Itoa(i*16)}
		tab.insert(e, tableHash(e.key))
		es = append(es, e)
	}
	require.True(t, tab.remove(es[3], tableHash(es[3].key)))
	assert.Equal(t, 1, tab.tombs)
	assert.Same(t, es[7], tab.find(es[7].key, tableHash(es[7].key)))
	// A removal in a group that still has an empty slot leaves it empty.
	require.True(t, tab.remove(es[7], tableHash(es[7].key)))
	assert.Equal(t, 1, tab.tombs)
}

// TestTableReadersNeverMissAKeyPresentThroughout reads keys that stay in
// the table while one writer inserts and removes others, rebuilding the
// table as it fills. Run it with -race.
func TestTableReadersNeverMissAKeyPresentThroughout(t *testing.T) {
	var sh shard
	sh.init(0, 0, testSeed, nil, 0, nil, nil)
	hash := func(e *entry) uint64 { return tableHash(e.key) }
	stable := make([]*entry, 50)
	for i := range stable {
		stable[i] = &entry{key: "k" + strconv.Itoa(i)}
		tab := sh.tab.Load()
		if tab.full() {
			tab = tab.rebuilt(2*tab.live+1, hash)
			sh.tab.Store(tab)
		}
		tab.insert(stable[i], tableHash(stable[i].key))
	}
	var stop atomic.Bool
	var misses atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, e := range stable {
					if sh.tab.Load().find(e.key, tableHash(e.key)) != e {
						misses.Add(1)
					}
				}
			}
		}()
	}
	churn := map[string]*entry{}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50_000 {
		key := "k" + strconv.Itoa(50+r.IntN(2000))
		tab := sh.tab.Load()
		if e, ok := churn[key]; ok {
			tab.remove(e, tableHash(key))
			delete(churn, key)
			continue
		}
		if tab.full() {
			// Rebuild at the same size now and then: readers then
			// switch tables while the count stays put.
			n := 2*tab.live + 1
			if tab.tombs > tab.live/2 {
				n = tab.live
			}
			tab = tab.rebuilt(n, hash)
			sh.tab.Store(tab)
		}
		e := &entry{key: key}
		tab.insert(e, tableHash(key))
		churn[key] = e
	}
	stop.Store(true)
	wg.Wait()
	assert.Zero(t, misses.Load())
}
