package otel_test

import (
	"testing"

	"github.com/cachekit/cachekit/internal/testserver"
)

// TestMain stops the servers the tests started and checks for leaked
// goroutines.
func TestMain(m *testing.M) { testserver.Main(m) }
