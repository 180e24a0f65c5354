package memory_test

import (
	"testing"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/loader/loadertest"
	"github.com/cachekit/cachekit/lock/locktest"
	"github.com/cachekit/cachekit/memory"
)

// TestConformanceWithRequiredMethodsOnly runs the suites on a memory store
// that shows a Cache only the nine methods of cache.Store: values are then
// encoded (JSON), and every optional operation takes the Cache's fallback.
func TestConformanceWithRequiredMethodsOnly(t *testing.T) {
	h := cachetest.Harness{New: func(testing.TB) cache.Store {
		return cachetest.RequiredOnly(memory.New(memory.Options{}))
	}}
	cachetest.Run(t, h)
	locktest.Run(t, h)
	loadertest.Run(t, h)
}
