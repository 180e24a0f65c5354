package main

import (
	"container/heap"
	"container/list"
	"context"
	"strconv"

	"github.com/maypok86/otter/v2"

	"github.com/cachekit/cachekit/memory"
)

// A policy replays a trace into a cache of a capacity and returns its hit
// ratio in percent.
type policy struct {
	name string
	run  func(keys []string, capacity int) float64
}

// policies are the columns of the table, by name.
var policies = map[string]policy{
	"cachekit":  {"cachekit", replayCachekit(0)},
	"cachekit1": {"cachekit1", replayCachekit(1)},
	"otter":     {"otter", replayOtter},
	"lru":       {"lru", replayLRU},
	"optimum":   {"optimum", optimum},
}

// replay counts the hits of get over keys, calling set after every miss,
// single-threaded: a get and, on a miss, a set, as a read-through cache
// does.
func replay(keys []string, get func(string) bool, set func(string)) float64 {
	hits := 0
	for _, k := range keys {
		if get(k) {
			hits++
			continue
		}
		set(k)
	}
	return 100 * float64(hits) / float64(len(keys))
}

// replayCachekit replays on a memory store bounded to the capacity, with
// the given number of shards (0: the default for the capacity).
func replayCachekit(shards int) func([]string, int) float64 {
	return func(keys []string, capacity int) float64 {
		s := memory.New(memory.Options{MaxEntries: capacity, Shards: shards, CleanupInterval: -1})
		defer s.Close()
		ctx := context.Background()
		return replay(keys,
			func(k string) bool { _, ok, _ := s.GetValue(ctx, k); return ok },
			func(k string) { _ = s.SetValue(ctx, k, 1, 0) })
	}
}

// replayOtter replays on otter v2 with its maintenance run synchronously,
// as otter's own simulator does, so that the result does not depend on
// goroutine scheduling.
func replayOtter(keys []string, capacity int) float64 {
	c := otter.Must(&otter.Options[string, int]{
		MaximumSize:     capacity,
		InitialCapacity: capacity,
		Executor:        func(fn func()) { fn() },
	})
	return replay(keys,
		func(k string) bool { _, ok := c.GetIfPresent(k); return ok },
		func(k string) { c.Set(k, 1) })
}

// replayLRU replays on a plain LRU.
func replayLRU(keys []string, capacity int) float64 {
	order := list.New()
	at := make(map[string]*list.Element, capacity)
	return replay(keys,
		func(k string) bool {
			if e, ok := at[k]; ok {
				order.MoveToFront(e)
				return true
			}
			return false
		},
		func(k string) {
			if order.Len() >= capacity {
				old := order.Back()
				delete(at, old.Value.(string))
				order.Remove(old)
			}
			at[k] = order.PushFront(k)
		})
}

// optimum is Bélády's MIN with bypass: on a miss in a full cache, the key
// used again farthest in the future (the new one included, which is then
// not kept) makes room. No policy that knows only the past does better.
func optimum(keys []string, capacity int) float64 {
	const never = int(^uint(0) >> 1)
	next := make([]int, len(keys))
	last := make(map[string]int)
	for i := len(keys) - 1; i >= 0; i-- {
		next[i] = never
		if j, ok := last[keys[i]]; ok {
			next[i] = j
		}
		last[keys[i]] = i
	}
	held := make(map[string]int, capacity) // key -> its next use
	h := &farthest{}
	hits := 0
	for i, k := range keys {
		if _, ok := held[k]; ok {
			hits++
		} else if len(held) >= capacity {
			// Drop the items of keys used since they were pushed.
			for top := (*h)[0]; held[top.key] != top.next; top = (*h)[0] {
				heap.Pop(h)
			}
			if next[i] >= (*h)[0].next {
				continue
			}
			delete(held, heap.Pop(h).(use).key)
		}
		held[k] = next[i]
		heap.Push(h, use{k, next[i]})
		if h.Len() > 4*capacity {
			h.compact(held)
		}
	}
	return 100 * float64(hits) / float64(len(keys))
}

// use is a key and the index of its next use.
type use struct {
	key  string
	next int
}

// farthest is a max-heap of uses by next use; items of keys used since
// (whose next use has changed) are stale and dropped when they come up.
type farthest []use

func (h farthest) Len() int           { return len(h) }
func (h farthest) Less(i, j int) bool { return h[i].next > h[j].next }
func (h farthest) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *farthest) Push(x any)        { *h = append(*h, x.(use)) }
func (h *farthest) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// compact rebuilds h from held, dropping every stale item.
func (h *farthest) compact(held map[string]int) {
	*h = (*h)[:0]
	for k, n := range held {
		*h = append(*h, use{k, n})
	}
	heap.Init(h)
}

// keyNames returns the cache keys of a trace: the decimal text of each key
// number, made once per distinct number.
func keyNames(nums []uint64) []string {
	names := make(map[uint64]string)
	keys := make([]string, len(nums))
	for i, n := range nums {
		s, ok := names[n]
		if !ok {
			s = strconv.FormatUint(n, 10)
			names[n] = s
		}
		keys[i] = s
	}
	return keys
}
