package lock_test

import (
	"testing"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/lock/locktest"
	"github.com/cachekit/cachekit/memory"
)

// TestConformanceOnMemory runs the locks' suite on the memory store, which
// every store's own tests also run it on.
func TestConformanceOnMemory(t *testing.T) {
	locktest.Run(t, cachetest.Harness{New: func(testing.TB) cache.Store { return memory.New(memory.Options{}) }})
}
