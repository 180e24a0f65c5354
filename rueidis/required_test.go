package rueidis

import (
	"testing"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/loader/loadertest"
	"github.com/cachekit/cachekit/lock/locktest"
)

// TestConformanceWithRequiredMethodsOnly runs the suites on stores that
// show a Cache only the nine methods of cache.Store, as a store written
// against the required interface alone would: every optional operation
// then takes the Cache's fallback, and waiters on another instance are
// woken by polling (cache.PollWatcher) instead of an invalidation that
// Redis pushes (client tracking).
func TestConformanceWithRequiredMethodsOnly(t *testing.T) {
	d := deployments[0] // standalone: the fallbacks do not depend on the deployment
	h := cachetest.Harness{
		New: func(tb testing.TB) cache.Store {
			s, _ := d.newStore(tb, Options{})
			return cachetest.RequiredOnly(s)
		},
		Shared:       true,
		CompareBytes: true,
	}
	cachetest.Run(t, h)
	locktest.Run(t, h)
	loadertest.Run(t, h)
}
