// Package hook has ready-made cache.Hook implementations: HitMiss counts
// hits and misses, Timing keeps count, total, min, max and mean duration per
// operation. Both are safe for concurrent use and usable as zero values.
//
//	var hits hook.HitMiss
//	c, err := cache.New(store, cache.Options[string, int]{Hooks: []cache.Hook{&hits}})
//	...
//	fmt.Println(hits.Hits(), hits.Misses(), hits.Ratio())
package hook
