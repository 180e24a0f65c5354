package prometheus_test

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/cachekit/cachekit/cache"
	cachekitprom "github.com/cachekit/cachekit/contrib/prometheus"
	"github.com/cachekit/cachekit/memory"
)

// One Collector, registered once, observes every cache it is a hook of;
// /metrics serves what it counted.
func ExampleNewCollector() {
	metrics := cachekitprom.NewCollector()
	registry := prometheus.NewRegistry()
	registry.MustRegister(metrics)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))

	store := memory.New(memory.Options{})
	defer store.Close()
	users := cache.Must(cache.New(store, cache.Options[int, string]{Namespace: "users", Hooks: []cache.Hook{metrics}}))
	ctx := context.Background()
	_ = users.Set(ctx, 1, "Ada")
	_, _, _ = users.Get(ctx, 1)
	_, _, _ = users.Get(ctx, 2)
	_, _ = users.MultiGet(ctx, 1, 2, 3)

	families, _ := registry.Gather()
	for _, mf := range families {
		if mf.GetName() == "cachekit_operations_total" {
			_, _ = expfmt.MetricFamilyToText(os.Stdout, mf)
		}
	}
	fmt.Println(len(families), "metrics so far")
	// Output:
	// # HELP cachekit_operations_total Cache operations by namespace, operation and result (hit, miss, ok, error); a read counts one hit or miss per distinct key.
	// # TYPE cachekit_operations_total counter
	// cachekit_operations_total{namespace="users",op="get",result="hit"} 1
	// cachekit_operations_total{namespace="users",op="get",result="miss"} 1
	// cachekit_operations_total{namespace="users",op="multi_get",result="hit"} 1
	// cachekit_operations_total{namespace="users",op="multi_get",result="miss"} 2
	// cachekit_operations_total{namespace="users",op="set",result="ok"} 1
	// 2 metrics so far
}
