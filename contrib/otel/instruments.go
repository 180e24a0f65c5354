package otel

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/metric"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/contrib/internal/result"
)

// OperationBuckets are the bucket boundaries, in seconds, that the
// cachekit.operation.duration histogram advises: from 1µs (a memory hit
// takes less) through a Redis or memcached round trip (100µs to a few ms)
// to 5s, a store that has stopped answering.
var OperationBuckets = result.OperationBuckets()

// LoadBuckets are the bucket boundaries, in seconds, that the
// cachekit.load.duration and cachekit.lock.wait.duration histograms
// advise: a load is a call of the caller's function (a database query, a
// remote call: 100µs to seconds), and a lock wait lasts as long as the load
// it waits for, up to the lock's lease (10s by default in package loader).
var LoadBuckets = result.LoadBuckets()

// instruments are the metric instruments of a Hook.
type instruments struct {
	operations metric.Int64Counter
	opDuration metric.Float64Histogram
	loads      metric.Int64Counter
	loadDur    metric.Float64Histogram
	refreshes  metric.Int64Counter
	lockWait   metric.Float64Histogram
	remembered metric.Int64Counter
}

func newInstruments(m metric.Meter) (*instruments, error) {
	var in instruments
	var err, e error
	in.operations, e = m.Int64Counter("cachekit.operations", metric.WithUnit("{operation}"),
		metric.WithDescription("Cache operations by result; a read counts one hit or miss per distinct key."))
	err = errors.Join(err, e)
	in.opDuration, e = m.Float64Histogram("cachekit.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of cache operations."),
		metric.WithExplicitBucketBoundaries(OperationBuckets...))
	err = errors.Join(err, e)
	in.loads, e = m.Int64Counter("cachekit.loads", metric.WithUnit("{load}"),
		metric.WithDescription("Loads of missing values by the loader (one per call of its function), by result."))
	err = errors.Join(err, e)
	in.loadDur, e = m.Float64Histogram("cachekit.load.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of the loader's loads."),
		metric.WithExplicitBucketBoundaries(LoadBuckets...))
	err = errors.Join(err, e)
	in.refreshes, e = m.Int64Counter("cachekit.refreshes", metric.WithUnit("{refresh}"),
		metric.WithDescription("Background reloads of cached values by the loader, by result."))
	err = errors.Join(err, e)
	in.lockWait, e = m.Float64Histogram("cachekit.lock.wait.duration", metric.WithUnit("s"),
		metric.WithDescription("Time spent waiting for the holder of a lock."),
		metric.WithExplicitBucketBoundaries(LoadBuckets...))
	err = errors.Join(err, e)
	in.remembered, e = m.Int64Counter("cachekit.remembered_misses", metric.WithUnit("{miss}"),
		metric.WithDescription("Misses the loader answered from a remembered absence, without a load (also counted as misses in cachekit.operations)."))
	err = errors.Join(err, e)
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// record adds e to the instruments, with the prepared attributes of its
// namespace s.
func (in *instruments) record(ctx context.Context, s *space, e *cache.Event) {
	seconds := e.Duration.Seconds()
	switch e.Op {
	case cache.OpLoad:
		in.loads.Add(ctx, 1, s.loads[result.LoadOf(e)]...)
		in.loadDur.Record(ctx, seconds, s.namespace...)
		return
	case cache.OpRefresh:
		in.refreshes.Add(ctx, 1, s.refreshes[result.RefreshOf(e)]...)
		return
	}
	if int(e.Op) >= cache.NumOps {
		return // an operation of a newer cachekit than this module knows
	}
	ops := &s.ops[e.Op]
	switch {
	case result.IsRead(e):
		if e.Hits > 0 {
			in.operations.Add(ctx, int64(e.Hits), ops[result.Hit]...)
		}
		if e.Misses > 0 {
			in.operations.Add(ctx, int64(e.Misses), ops[result.Miss]...)
		}
		if e.Remembered > 0 {
			in.remembered.Add(ctx, int64(e.Remembered), s.remembered[e.Op]...)
		}
	case e.Err != nil:
		in.operations.Add(ctx, 1, ops[result.Error]...)
	default:
		in.operations.Add(ctx, 1, ops[result.OK]...)
	}
	in.opDuration.Record(ctx, seconds, s.durations[e.Op]...)
	if e.Op == cache.OpLockWait {
		in.lockWait.Record(ctx, seconds, s.namespace...)
	}
}
