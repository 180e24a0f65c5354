package faults

import (
	"testing"

	"github.com/cachekit/cachekit/internal/testserver"
)

// TestMain stops the servers the tests started and checks that no test
// left a goroutine behind.
func TestMain(m *testing.M) { testserver.Main(m) }
