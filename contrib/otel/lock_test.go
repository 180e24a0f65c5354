package otel_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/contrib/internal/hooktest"
)

func TestLockWaitIsRecorded(t *testing.T) {
	tel := newTelemetry(t)
	hooktest.LockWait(t, "jobs", tel.hook)

	assert.EqualValues(t, 1, tel.observations(t, "cachekit.lock.wait.duration", "namespace", "jobs"))
	p, _ := tel.histogram(t, "cachekit.lock.wait.duration", "namespace", "jobs")
	assert.Less(t, p.Sum, 30.0, "woken by the release, not at the end of the lease")
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "jobs", "op", "lock_wait", "result", "ok"))
	assert.EqualValues(t, 2, tel.count(t, "cachekit.operations", "namespace", "jobs", "op", "lock_acquire", "result", "ok"))
	assert.EqualValues(t, 1, tel.count(t, "cachekit.operations", "namespace", "jobs", "op", "lock_release", "result", "ok"))
	waits := tel.ended("cachekit.lock_wait")
	require.Len(t, waits, 1)
	// Ok: the holder let go during the wait (false if it had before the
	// wait read the entry, which this test does not order).
	assert.IsType(t, true, attrs(waits[0])["cachekit.ok"])
}
