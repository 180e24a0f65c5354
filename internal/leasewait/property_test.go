package leasewait

import (
	"math/rand/v2"
	"testing"
)

// waiterModel is one waiter of the model: where it waits, which release
// epoch of its key it registered in, and whether it has left.
type waiterModel struct {
	store, key int
	epoch      int
	left       bool
	ch         <-chan struct{}
	done       func()
}

// TestRandomInterleavingsMatchModel replays random sequences of Wait,
// Release and done (in any order, including done twice and Release with
// nobody waiting) against a model: a waiter's channel is closed exactly
// when its store and key were released after it registered, Waiting counts
// the waiters registered since the last Release that have not left, and
// Len counts the pairs with such waiters.
func TestRandomInterleavingsMatchModel(t *testing.T) {
	stores := []*Table{newTable(t), newTable(t)}
	keys := []string{"a", "b"}
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 2))
		epochs := make([][]int, len(stores)) // releases per store and key
		for i := range epochs {
			epochs[i] = make([]int, len(keys))
		}
		var ws []*waiterModel
		for step := range 60 {
			switch op := r.IntN(10); {
			case op < 4:
				w := &waiterModel{store: r.IntN(len(stores)), key: r.IntN(len(keys))}
				w.epoch = epochs[w.store][w.key]
				w.ch, w.done = stores[w.store].Wait(keys[w.key])
				ws = append(ws, w)
			case op < 7:
				s, k := r.IntN(len(stores)), r.IntN(len(keys))
				stores[s].Wake(keys[k])
				epochs[s][k]++
			case len(ws) > 0:
				w := ws[r.IntN(len(ws))]
				w.done()
				w.left = true
			}
			// Check the model after every step.
			pairs := 0
			for s := range stores {
				for k := range keys {
					want := 0
					for _, w := range ws {
						if w.store == s && w.key == k && !w.left && w.epoch == epochs[s][k] {
							want++
						}
					}
					if got := stores[s].Waiting(keys[k]); got != want {
						t.Fatalf("seed %d step %d: Waiting(%d, %q) = %d, want %d", seed, step, s, keys[k], got, want)
					}
					if want > 0 {
						pairs++
					}
				}
			}
			if got := (stores[0].Len() + stores[1].Len()); got != pairs {
				t.Fatalf("seed %d step %d: Len = %d, want %d", seed, step, got, pairs)
			}
			for i, w := range ws {
				if w.left {
					continue
				}
				if want := epochs[w.store][w.key] > w.epoch; closed(w.ch) != want {
					t.Fatalf("seed %d step %d: waiter %d closed = %v, want %v", seed, step, i, !want, want)
				}
			}
		}
		for _, w := range ws {
			w.done()
		}
		if (stores[0].Len() + stores[1].Len()) != 0 {
			t.Fatalf("seed %d: Len = %d after every waiter left", seed, (stores[0].Len() + stores[1].Len()))
		}
	}
}
