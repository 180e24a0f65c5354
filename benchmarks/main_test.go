package benchmarks

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/cachekit/cachekit/internal/testserver"
)

// TestMain starts no server itself: each benchmark asks testserver for the
// servers it needs, which start once per test binary and stop at its end.
// A rueidis Cluster client closes the connections it replaced after a
// refresh from a goroutine that sleeps five seconds first, even after the
// client's Close: that goroutine ends by itself and is not a leak.
func TestMain(m *testing.M) {
	testserver.Main(m, goleak.IgnoreAnyFunction("github.com/redis/rueidis.(*clusterClient)._refresh.func2"))
}
