package serializer_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind; msgpack's
// preallocating Unmarshal, for one, would.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
