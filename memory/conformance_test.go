package memory_test

import (
	"testing"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/loader/loadertest"
	"github.com/cachekit/cachekit/lock/locktest"
	"github.com/cachekit/cachekit/memory"
)

// TestConformance runs the suite that every store passes: on an unbounded
// store and on a small bounded one, so that the eviction bookkeeping meets
// every operation too.
func TestConformance(t *testing.T) {
	for name, opts := range map[string]memory.Options{
		"Unbounded": {},
		"Bounded":   {MaxEntries: 4096, CleanupInterval: 10 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			h := cachetest.Harness{New: func(testing.TB) cache.Store { return memory.New(opts) }}
			cachetest.Run(t, h)
			locktest.Run(t, h)
			loadertest.Run(t, h)
		})
	}
}
