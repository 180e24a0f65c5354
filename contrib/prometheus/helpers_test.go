package prometheus_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/hooktest"
	cachekitprom "github.com/cachekit/cachekit/contrib/prometheus"
)

// registered returns a Collector registered in a registry of its own.
func registered(t *testing.T) (*cachekitprom.Collector, *prometheus.Registry) {
	t.Helper()
	c := cachekitprom.NewCollector()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	return c, reg
}

// The caches and the clock of the tests, shared with those of the other
// exporter.
var (
	newCache = hooktest.NewCache
	newClock = hooktest.NewClock
)

// families gathers reg, by name.
func families(t *testing.T, reg prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// series returns the series of name whose labels are exactly kv (name,
// value, name, value...), nil if there is none.
func series(t *testing.T, reg prometheus.Gatherer, name string, kv ...string) *dto.Metric {
	t.Helper()
	mf := families(t, reg)[name]
	if mf == nil {
		return nil
	}
	want := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		want[kv[i]] = kv[i+1]
	}
next:
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		return m
	}
	return nil
}

// count returns the value of the counter name at exactly the labels kv,
// 0 if it has no such series.
func count(t *testing.T, reg prometheus.Gatherer, name string, kv ...string) float64 {
	t.Helper()
	return series(t, reg, name, kv...).GetCounter().GetValue()
}

// observations returns the sample count of the histogram name at exactly
// the labels kv, 0 if it has no such series.
func observations(t *testing.T, reg prometheus.Gatherer, name string, kv ...string) uint64 {
	t.Helper()
	return series(t, reg, name, kv...).GetHistogram().GetSampleCount()
}

// failingStore fails every Get with err.
type failingStore struct {
	cache.Store
	err error
}

func (s failingStore) Get(context.Context, string) ([]byte, bool, error) { return nil, false, s.err }
