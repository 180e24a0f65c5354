package prometheus_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/hooktest"
	cachekitprom "github.com/cachekit/cachekit/contrib/prometheus"
	"github.com/cachekit/cachekit/loader"
)

func TestHitsAndMissesReadBackExactlyByLabels(t *testing.T) {
	coll, reg := registered(t)
	c := newCache(t, "users", nil, coll)
	ctx := t.Context()
	for i := range 60 {
		require.NoError(t, c.Set(ctx, fmt.Sprint(i), "v"))
	}
	for i := range 100 {
		_, _, err := c.Get(ctx, fmt.Sprint(i))
		require.NoError(t, err)
	}

	assert.EqualValues(t, 60, count(t, reg, "cachekit_operations_total", "namespace", "users", "op", "get", "result", "hit"))
	assert.EqualValues(t, 40, count(t, reg, "cachekit_operations_total", "namespace", "users", "op", "get", "result", "miss"))
	assert.EqualValues(t, 60, count(t, reg, "cachekit_operations_total", "namespace", "users", "op", "set", "result", "ok"))
	assert.EqualValues(t, 100, observations(t, reg, "cachekit_operation_duration_seconds", "namespace", "users", "op", "get"))
	assert.EqualValues(t, 60, observations(t, reg, "cachekit_operation_duration_seconds", "namespace", "users", "op", "set"))

	h := series(t, reg, "cachekit_operation_duration_seconds", "namespace", "users", "op", "get").GetHistogram()
	var bounds []float64
	for _, b := range h.GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
	}
	assert.Equal(t, cachekitprom.OperationBuckets, bounds)
	assert.Less(t, h.GetSampleSum(), 100.0, "in seconds: 100 memory reads take far less than 100s")

	for name, mf := range families(t, reg) {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.Contains(t, []string{"namespace", "op", "result"}, l.GetName(), "%s has a label that is not namespace, op or result", name)
			}
		}
	}
	assert.Len(t, families(t, reg), 2, "operations and their durations, nothing else yet")
}

func TestSeriesAppearAtTheirFirstEvent(t *testing.T) {
	coll, reg := registered(t)
	assert.Empty(t, families(t, reg))
	c := newCache(t, "ns", nil, coll)
	_, _, err := c.Get(t.Context(), "k")
	require.NoError(t, err)
	mfs := families(t, reg)
	require.Contains(t, mfs, "cachekit_operations_total")
	assert.Len(t, mfs["cachekit_operations_total"].GetMetric(), 1, "get/miss only: no zero series of other operations or results")
}

func TestMultiGetCountsOneHitOrMissPerDistinctKey(t *testing.T) {
	coll, reg := registered(t)
	c := newCache(t, "ns", nil, coll)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "a", "1"))
	got, err := c.MultiGet(ctx, "a", "a", "b", "b", "c")
	require.NoError(t, err)
	require.Len(t, got, 1)

	assert.EqualValues(t, 1, count(t, reg, "cachekit_operations_total", "namespace", "ns", "op", "multi_get", "result", "hit"))
	assert.EqualValues(t, 2, count(t, reg, "cachekit_operations_total", "namespace", "ns", "op", "multi_get", "result", "miss"))
	assert.EqualValues(t, 1, observations(t, reg, "cachekit_operation_duration_seconds", "namespace", "ns", "op", "multi_get"), "one operation")
}

func TestStampedeOfFiftyCallersIsOneLoad(t *testing.T) {
	const callers = 50
	coll, reg := registered(t)
	hooktest.Stampede(t, "users", callers, coll)
	assert.EqualValues(t, callers, count(t, reg, "cachekit_operations_total", "namespace", "users", "op", "get", "result", "miss"))
	assert.EqualValues(t, 1, count(t, reg, "cachekit_loads_total", "namespace", "users", "result", "ok"))
	assert.EqualValues(t, 1, observations(t, reg, "cachekit_load_duration_seconds", "namespace", "users"))
	assert.Len(t, families(t, reg)["cachekit_loads_total"].GetMetric(), 1, "no load of another result")
}

func TestRememberedMissIsAMissAndNotALoad(t *testing.T) {
	coll, reg := registered(t)
	c := newCache(t, "users", nil, coll)
	calls := 0
	l := loader.Must(loader.New(c, func(context.Context, string) (string, error) {
		calls++
		return "", loader.ErrNotFound
	}, loader.Options[string, string]{MissTTL: time.Hour}))
	t.Cleanup(func() { _ = l.Close() })
	ctx := t.Context()
	for range 3 {
		_, err := l.Get(ctx, "ghost")
		require.ErrorIs(t, err, loader.ErrNotFound)
	}
	require.Equal(t, 1, calls, "the absence is remembered after the first load")

	assert.EqualValues(t, 3, count(t, reg, "cachekit_operations_total", "namespace", "users", "op", "get", "result", "miss"), "every read missed")
	assert.EqualValues(t, 2, count(t, reg, "cachekit_remembered_misses_total", "namespace", "users", "op", "get"), "the last two found the remembered absence")
	assert.EqualValues(t, 1, count(t, reg, "cachekit_loads_total", "namespace", "users", "result", "not_found"), "one load, not_found")
	assert.Len(t, families(t, reg)["cachekit_loads_total"].GetMetric(), 1, "no load of another result")
}

func TestRefreshIsCountedApartFromLoads(t *testing.T) {
	coll, reg := registered(t)
	clock := newClock()
	refreshed := make(chan struct{}, 1)
	c := clock.NewCache(t, "users", coll, cache.HookFunc(func(_ context.Context, e cache.Event) {
		if e.Op == cache.OpRefresh {
			refreshed <- struct{}{}
		}
	}))
	version := 0
	l := loader.Must(loader.New(c, func(context.Context, string) (string, error) {
		version++
		return fmt.Sprint("v", version), nil
	}, loader.Options[string, string]{TTL: time.Hour, RefreshAfter: time.Minute}))
	t.Cleanup(func() { _ = l.Close() })
	ctx := t.Context()
	v, err := l.Get(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, "v1", v)
	clock.Advance(2 * time.Minute)
	v, err = l.Get(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, "v1", v, "the aged value, at once")
	<-refreshed
	require.NoError(t, l.Close())

	assert.EqualValues(t, 1, count(t, reg, "cachekit_refreshes_total", "namespace", "users", "result", "ok"))
	assert.EqualValues(t, 1, count(t, reg, "cachekit_loads_total", "namespace", "users", "result", "ok"), "the first load; a refresh is not a load")
}

func TestStaleServedIsCounted(t *testing.T) {
	coll, reg := registered(t)
	hooktest.StaleServed(t, "users", coll)

	assert.EqualValues(t, 1, count(t, reg, "cachekit_loads_total", "namespace", "users", "result", "ok"))
	assert.EqualValues(t, 1, count(t, reg, "cachekit_loads_total", "namespace", "users", "result", "stale_served"))
	assert.Nil(t, series(t, reg, "cachekit_loads_total", "namespace", "users", "result", "error"), "stale_served, not error")
	assert.EqualValues(t, 2, observations(t, reg, "cachekit_load_duration_seconds", "namespace", "users"))
}

func TestLoadAndRefreshResults(t *testing.T) {
	coll, reg := registered(t)
	c := newCache(t, "ns", nil, coll)
	hooktest.ReportLoadsAndRefreshes(t.Context(), c)

	for result, want := range hooktest.LoadResults {
		assert.EqualValues(t, want, count(t, reg, "cachekit_loads_total", "namespace", "ns", "result", result), result)
	}
	for result, want := range hooktest.RefreshResults {
		assert.EqualValues(t, want, count(t, reg, "cachekit_refreshes_total", "namespace", "ns", "result", result), result)
	}
	assert.EqualValues(t, 5, observations(t, reg, "cachekit_load_duration_seconds", "namespace", "ns"))
	assert.NotContains(t, families(t, reg), "cachekit_operations_total", "loads and refreshes are not operations")
}

func TestFailedOperationsCountAsErrors(t *testing.T) {
	coll, reg := registered(t)
	down := errors.New("store down")
	c := newCache(t, "ns", func(s cache.Store) cache.Store { return failingStore{s, down} }, coll)
	_, _, err := c.Get(t.Context(), "k")
	require.ErrorIs(t, err, down)
	assert.EqualValues(t, 1, count(t, reg, "cachekit_operations_total", "namespace", "ns", "op", "get", "result", "error"))
	assert.Nil(t, series(t, reg, "cachekit_operations_total", "namespace", "ns", "op", "get", "result", "miss"))
	assert.EqualValues(t, 1, observations(t, reg, "cachekit_operation_duration_seconds", "namespace", "ns", "op", "get"))
}

func TestOneCollectorForManyCachesByNamespace(t *testing.T) {
	coll, reg := registered(t)
	a, b, none := newCache(t, "a", nil, coll), newCache(t, "b", nil, coll), newCache(t, "", nil, coll)
	ctx := t.Context()
	require.NoError(t, a.Set(ctx, "k", "v"))
	for _, c := range []*cache.Cache[string, string]{a, b, b, none} {
		_, _, err := c.Get(ctx, "k")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, count(t, reg, "cachekit_operations_total", "namespace", "a", "op", "get", "result", "hit"))
	assert.EqualValues(t, 2, count(t, reg, "cachekit_operations_total", "namespace", "b", "op", "get", "result", "miss"))
	// namespace="" (which Prometheus stores as no namespace label).
	assert.EqualValues(t, 1, count(t, reg, "cachekit_operations_total", "namespace", "", "op", "get", "result", "miss"))
}

func TestLockWaitIsRecorded(t *testing.T) {
	coll, reg := registered(t)
	hooktest.LockWait(t, "jobs", coll)

	wait := series(t, reg, "cachekit_lock_wait_duration_seconds", "namespace", "jobs").GetHistogram()
	assert.EqualValues(t, 1, wait.GetSampleCount())
	assert.Less(t, wait.GetSampleSum(), 30.0, "woken by the release, not at the end of the lease")
	assert.EqualValues(t, 1, count(t, reg, "cachekit_operations_total", "namespace", "jobs", "op", "lock_wait", "result", "ok"))
	assert.EqualValues(t, 2, count(t, reg, "cachekit_operations_total", "namespace", "jobs", "op", "lock_acquire", "result", "ok"))
	assert.EqualValues(t, 1, count(t, reg, "cachekit_operations_total", "namespace", "jobs", "op", "lock_release", "result", "ok"))
}

// everything makes a series of every metric.
func everything(t *testing.T, coll *cachekitprom.Collector) {
	t.Helper()
	c := newCache(t, "ns", nil, coll)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", "v"))
	_, _, _ = c.Get(ctx, "k")
	for _, e := range []cache.Event{
		{Op: cache.OpGet, Misses: 1, Remembered: 1},
		{Op: cache.OpLoad, Duration: time.Millisecond},
		{Op: cache.OpRefresh, Ok: true},
		{Op: cache.OpLockWait, Duration: time.Millisecond},
	} {
		octx, start := c.Begin(ctx, e.Op, "ns:k")
		c.End(octx, start, e)
	}
}

func TestCollectAndLintReportsNothing(t *testing.T) {
	coll, reg := registered(t)
	everything(t, coll)
	assert.Len(t, families(t, reg), 7, "a series of every metric")
	problems, err := testutil.CollectAndLint(coll)
	require.NoError(t, err)
	assert.Empty(t, problems)
	for name, mf := range families(t, reg) {
		assert.True(t, strings.HasPrefix(name, "cachekit_"), name)
		assert.NotEmpty(t, mf.GetHelp(), name)
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			assert.True(t, strings.HasSuffix(name, "_seconds"), "%s: durations in seconds", name)
		}
	}
}

func TestExposition(t *testing.T) {
	coll, reg := registered(t)
	c := newCache(t, "users", nil, coll)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", "v"))
	_, _, _ = c.Get(ctx, "k")
	_, _, _ = c.Get(ctx, "absent")
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP cachekit_operations_total Cache operations by namespace, operation and result (hit, miss, ok, error); a read counts one hit or miss per distinct key.
# TYPE cachekit_operations_total counter
cachekit_operations_total{namespace="users",op="get",result="hit"} 1
cachekit_operations_total{namespace="users",op="get",result="miss"} 1
cachekit_operations_total{namespace="users",op="set",result="ok"} 1
`), "cachekit_operations_total"))
}
