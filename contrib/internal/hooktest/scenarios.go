package hooktest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/loader"
	"github.com/cachekit/cachekit/lock"
)

// Stampede has callers Get one key of a loader on a cache of namespace
// ns observed by hook, all at once and before any load ends, and checks
// that each gets the value of the one load (fn runs once).
func Stampede(t *testing.T, ns string, callers int, hook cache.Hook) {
	t.Helper()
	// missed is closed when every caller has missed; callers miss
	// concurrently, so their count is passed from hand to hand in sem.
	missed := make(chan struct{})
	sem := make(chan int, 1)
	sem <- 0
	counter := cache.HookFunc(func(_ context.Context, e cache.Event) {
		if e.Op != cache.OpGet || e.Misses != 1 {
			return
		}
		n := <-sem + 1
		if n == callers {
			close(missed)
		}
		sem <- n
	})
	c := NewCache(t, ns, nil, hook, counter)
	calls := 0
	l := loader.Must(loader.New(c, func(ctx context.Context, key string) (string, error) {
		calls++ // fn runs once: callers of one key share its flight
		select {
		case <-missed: // every caller has missed: none can come later and hit
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return "value of " + key, nil
	}, loader.Options[string, string]{}))
	t.Cleanup(func() { _ = l.Close() })

	errs := make(chan error, callers)
	for range callers {
		go func() {
			v, err := l.Get(t.Context(), "k")
			if err == nil && v != "value of k" {
				err = fmt.Errorf("got %q", v)
			}
			errs <- err
		}()
	}
	for range callers {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, 1, calls)
}

// started is a StartHook that tells when an operation op begins.
type started struct {
	op cache.Op
	ch chan struct{}
}

func (s started) Start(ctx context.Context, op cache.Op, _ string) context.Context {
	if op == s.op {
		s.ch <- struct{}{}
	}
	return ctx
}

func (started) Observe(context.Context, cache.Event) {}

// LockWait has a lock.Red of key "k" on a cache of namespace ns observed
// by hook wait for another's hold, which the holder then releases, and
// checks that the waiter goes on without the lock: one OpLockWait, woken
// by the release.
func LockWait(t *testing.T, ns string, hook cache.Hook) {
	t.Helper()
	waiting := started{op: cache.OpLockWait, ch: make(chan struct{}, 1)}
	c := NewCache(t, ns, nil, hook, waiting)
	ctx := t.Context()
	holder := lock.NewRed(c, "k", time.Minute)
	owned, err := holder.Acquire(ctx)
	require.NoError(t, err)
	require.True(t, owned)

	done := make(chan error, 1)
	go func() {
		owned, err := lock.NewRed(c, "k", time.Minute).Acquire(ctx)
		if err == nil && owned {
			err = assert.AnError
		}
		done <- err
	}()
	<-waiting.ch
	require.NoError(t, holder.Release(ctx))
	require.NoError(t, <-done, "the waiter goes on without the lock when the holder lets go")
}

// StaleServed loads key "k" of a loader (TTL a minute, StaleFor an hour)
// on a cache of namespace ns observed by hook, moves the clock past the
// TTL, and checks that a Get whose reload fails gets the stale value.
func StaleServed(t *testing.T, ns string, hook cache.Hook) {
	t.Helper()
	clock := NewClock()
	c := clock.NewCache(t, ns, hook)
	calls := 0
	l := loader.Must(loader.New(c, func(context.Context, string) (string, error) {
		calls++
		if calls > 1 {
			return "", errors.New("database down")
		}
		return "v1", nil
	}, loader.Options[string, string]{TTL: time.Minute, StaleFor: time.Hour}))
	t.Cleanup(func() { _ = l.Close() })
	ctx := t.Context()
	_, err := l.Get(ctx, "k")
	require.NoError(t, err)
	clock.Advance(2 * time.Minute)
	v, err := l.Get(ctx, "k")
	require.NoError(t, err, "the reload failed: the stale value instead")
	require.Equal(t, "v1", v)
}

// ReportLoadsAndRefreshes reports through c, in namespace "ns", the events
// of five loads (ok; not found; failed; failed with a stale value served;
// a stale value served at its timeout) and four refreshes (one wrote, one
// failed, two skipped), as package loader does: the results an exporter
// counts are LoadResults and RefreshResults.
func ReportLoadsAndRefreshes(ctx context.Context, c *cache.Cache[string, string]) {
	report := func(e cache.Event) {
		octx, start := c.Begin(ctx, e.Op, e.Key)
		c.End(octx, start, e)
	}
	boom := errors.New("boom")
	report(cache.Event{Op: cache.OpLoad, Key: "ns:a"})
	report(cache.Event{Op: cache.OpLoad, Key: "ns:b", Err: fmt.Errorf("wrapped: %w", loader.ErrNotFound)})
	report(cache.Event{Op: cache.OpLoad, Key: "ns:c", Err: boom})
	report(cache.Event{Op: cache.OpLoad, Key: "ns:d", Err: boom, Stale: true})
	report(cache.Event{Op: cache.OpLoad, Key: "ns:e", Stale: true})
	report(cache.Event{Op: cache.OpRefresh, Key: "ns:a", Ok: true})
	report(cache.Event{Op: cache.OpRefresh, Key: "ns:a", Err: boom})
	report(cache.Event{Op: cache.OpRefresh, Key: "ns:a"})
	report(cache.Event{Op: cache.OpRefresh, Key: "ns:a"})
}

// The results of ReportLoadsAndRefreshes, by result label.
var (
	LoadResults    = map[string]int{"ok": 1, "not_found": 1, "error": 1, "stale_served": 2}
	RefreshResults = map[string]int{"ok": 1, "error": 1, "skipped": 2}
)
