package loadertest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
	"github.com/cachekit/cachekit/loader"
)

// runEdges runs the tests of SEMANTICS' "Edges" on the loader: panics,
// impatient callers of shared work, shared reads and writes, misuse.
func runEdges(t *testing.T, h cachetest.Harness) {
	t.Run("PanicInAHookLeavesNoKeyWedged", func(t *testing.T) { hookPanic(t, h) })
	t.Run("PanicInTheStoreLeavesNoKeyWedged", func(t *testing.T) { storePanic(t, h) })
	t.Run("BatchOutlivesTheCallerThatStartedIt", func(t *testing.T) { batchOutlives(t, h) })
	t.Run("ReadAfterAWriteSeesIt", func(t *testing.T) { readAfterWrite(t, h) })
	t.Run("GoexitInFnIsAnError", func(t *testing.T) { goexit(t, h) })
	t.Run("NilContextIsAnError", func(t *testing.T) { nilContext(t, h) })
	t.Run("AUserKeyEndingInMissIsNoMissMark", func(t *testing.T) { userMissKey(t, h) })
}

// remote returns a store of h that the loader takes for a remote one (not
// a cache.ValueStore), so that it shares reads even on the memory store.
func remote(t *testing.T, h cachetest.Harness) cache.Store {
	return cachetest.RequiredOnly(h.Store(t))
}

func hookPanic(t *testing.T, h cachetest.Harness) {
	var armed atomic.Bool
	armed.Store(true)
	bomb := cache.HookFunc(func(_ context.Context, e cache.Event) {
		if e.Op == cache.OpGet && armed.CompareAndSwap(true, false) {
			panic("hook bug")
		}
	})
	c := cachetest.NewCache[string, string](t, remote(t, h), cache.Options[string, string]{Namespace: "hp", Hooks: []cache.Hook{bomb}})
	l := newLoader(t, c, func(_ context.Context, key string) (string, error) { return "v " + key, nil }, loader.Options[string, string]{})
	r := func() (r any) {
		defer func() { r = recover() }()
		_, _ = l.Get(t.Context(), "k")
		return nil
	}()
	assert.Equal(t, "hook bug", r, "the hook's panic is raised in the caller whose call ran it")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	v, err := l.Get(ctx, "k")
	require.NoError(t, err, "the key is not wedged")
	assert.Equal(t, "v k", v)

	keyBomb := cache.Must(cache.New(c.Store(), cache.Options[string, string]{Namespace: "hp", KeyFunc: func(k string) string {
		if k == "bad" {
			panic("key bug")
		}
		return k
	}}))
	kl := newLoader(t, keyBomb, func(_ context.Context, key string) (string, error) { return "v " + key, nil }, loader.Options[string, string]{})
	assert.PanicsWithValue(t, "key bug", func() { _, _ = kl.Get(t.Context(), "bad") })
	v, err = kl.Get(ctx, "good")
	require.NoError(t, err)
	assert.Equal(t, "v good", v)
}

// panicky is a store whose Get panics while armed.
type panicky struct {
	cache.Store
	armed atomic.Bool
}

func (p *panicky) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if p.armed.CompareAndSwap(true, false) {
		panic("store bug")
	}
	return p.Store.Get(ctx, key)
}

func storePanic(t *testing.T, h cachetest.Harness) {
	s := &panicky{Store: remote(t, h)}
	s.armed.Store(true)
	c := cachetest.NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "sp"})
	l := newLoader(t, c, func(_ context.Context, key string) (string, error) { return "v " + key, nil }, loader.Options[string, string]{})
	assert.PanicsWithValue(t, "store bug", func() { _, _ = l.Get(t.Context(), "k") }, "the shared read's panic is raised in the caller that started it")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	v, err := l.Get(ctx, "k")
	require.NoError(t, err, "the key is not wedged")
	assert.Equal(t, "v k", v)
}

func batchOutlives(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "bo")[0]
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	l := newLoader(t, c, func(_ context.Context, key string) (string, error) { return "fn " + key, nil },
		loader.Options[string, string]{Batch: func(_ context.Context, keys []string) (map[string]string, error) {
			once.Do(func() { close(started) })
			<-release // ignores ctx: a batch that was started finishes
			out := map[string]string{}
			for _, k := range keys {
				out[k] = "batch " + k
			}
			return out, nil
		}})
	actx, cancelA := context.WithCancel(t.Context())
	aDone := make(chan error, 1)
	go func() { _, err := l.MultiGet(actx, "x", "y"); aDone <- err }()
	<-started
	bDone := make(chan error, 1)
	var bVal string
	go func() {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		var err error
		bVal, err = l.Get(ctx, "y")
		bDone <- err
	}()
	cancelA() // A gives up while its batch runs
	assert.ErrorIs(t, <-aDone, context.Canceled)
	close(release)
	require.NoError(t, <-bDone, "a caller of a key of the batch is not failed by the caller that started it")
	assert.Contains(t, []string{"batch y", "fn y"}, bVal)
	// What the batch loaded is stored, though its caller left.
	for _, k := range []string{"x", "y"} {
		require.Eventually(t, func() bool {
			v, found, err := c.Get(t.Context(), k)
			return err == nil && found && (v == "batch "+k || v == "fn "+k)
		}, 10*time.Second, 5*time.Millisecond, "%s stored", k)
	}
}

// heldRead is a store whose first Get of a key reads the value and then
// waits until released before it answers: a read on a slow connection.
type heldRead struct {
	cache.Store
	key     string
	armed   atomic.Bool
	read    chan struct{}
	release chan struct{}
}

func (s *heldRead) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, found, err := s.Store.Get(ctx, key)
	if key == s.key && s.armed.CompareAndSwap(true, false) {
		close(s.read)
		<-s.release
	}
	return v, found, err
}

func readAfterWrite(t *testing.T, h cachetest.Harness) {
	s := &heldRead{Store: remote(t, h), read: make(chan struct{}), release: make(chan struct{})}
	c := cachetest.NewCache[string, string](t, s, cache.Options[string, string]{Namespace: "raw"})
	s.key = c.Key("k")
	require.NoError(t, c.Set(t.Context(), "k", "old"))
	s.armed.Store(true)
	l := newLoader(t, c, func(context.Context, string) (string, error) { return "", fmt.Errorf("fn must not run") }, loader.Options[string, string]{})
	first := make(chan string, 1)
	go func() { v, _ := l.Get(t.Context(), "k"); first <- v }()
	<-s.read // the first read holds "old" and has not answered
	require.NoError(t, c.Set(t.Context(), "k", "new"))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	v, err := l.Get(ctx, "k") // begins after the write returned
	require.NoError(t, err, "a read that begins after a write waits for no older read")
	assert.Equal(t, "new", v, "a read that begins after a write returned sees it, not a shared older read")
	close(s.release)
	assert.Equal(t, "old", <-first, "the read that began before the write")
}

func goexit(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "gx")[0]
	l := newLoader(t, c, func(context.Context, string) (string, error) {
		runtime.Goexit()
		return "unreachable", nil
	}, loader.Options[string, string]{})
	v, err := l.Get(t.Context(), "k")
	assert.Error(t, err, "a fn that called runtime.Goexit loaded nothing")
	assert.Empty(t, v)
	cachetest.AssertMissing(t, c, "k")
}

func nilContext(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "nc")[0]
	l := newLoader(t, c, func(context.Context, string) (string, error) { return "v", nil }, loader.Options[string, string]{})
	//lint:ignore SA1012 a nil context is what this test passes
	_, err := l.Get(nil, "k") //nolint:staticcheck
	assert.ErrorIs(t, err, cache.ErrInvalidUse)
	//lint:ignore SA1012 a nil context is what this test passes
	_, err = l.MultiGet(nil, "k") //nolint:staticcheck
	assert.ErrorIs(t, err, cache.ErrInvalidUse)
}

func userMissKey(t *testing.T, h cachetest.Harness) {
	c := caches(t, h, 1, "um")[0]
	require.NoError(t, c.Set(t.Context(), "promo-miss", "1"))
	var calls atomic.Int64
	l := newLoader(t, c, func(context.Context, string) (string, error) { calls.Add(1); return "promo", nil },
		loader.Options[string, string]{MissTTL: time.Minute})
	v, err := l.Get(t.Context(), "promo")
	require.NoError(t, err, "a value of the user's at promo-miss is not the mark of promo's absence")
	assert.Equal(t, "promo", v)
	assert.EqualValues(t, 1, calls.Load())
}
