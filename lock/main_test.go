package lock_test

import (
	"testing"

	"github.com/cachekit/cachekit/internal/testserver"
)

// TestMain checks that no test leaves a goroutine behind, and stops the
// servers of the multi-process tests.
func TestMain(m *testing.M) { testserver.Main(m) }
