package cachetest

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/codec"
)

// panicking is a serializer with a bug: its Unmarshal panics on everything.
type panicking struct{}

func (panicking) Marshal(point) ([]byte, error)   { return nil, errors.New("panicking: no marshal") }
func (panicking) Unmarshal([]byte) (point, error) { panic("panicking: unmarshal bug") }

func runErrors(t *testing.T, h Harness) {
	t.Run("UndecodableBytesAreErrDecode", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		raw := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Serializer: RawBytes{}})
		require.NoError(t, raw.Set(ctx, "bad", []byte("\xff{not json")))
		require.NoError(t, raw.Set(ctx, "good", []byte(`{"X":1,"Y":2}`)))
		readers := map[string]*cache.Cache[string, point]{
			"json":      NewCache[string, point](t, s, cache.Options[string, point]{Serializer: codec.JSON[point]{}}),
			"panicking": NewCache[string, point](t, s, cache.Options[string, point]{Serializer: panicking{}}),
			"default":   NewCache[string, point](t, s, cache.Options[string, point]{}),
		}
		for name, c := range readers {
			v, found, err := c.Get(ctx, "bad")
			assert.ErrorIs(t, err, cache.ErrDecode, name)
			assert.False(t, found, name)
			assert.Equal(t, point{}, v, name)
			var de *cache.DecodeError
			if assert.True(t, errors.As(err, &de), name) {
				assert.Equal(t, "bad", de.Key, name)
			}
			assert.Contains(t, err.Error(), `"bad"`, "the error names the key (%s)", name)
			_, err = c.MultiGet(ctx, "bad")
			assert.ErrorIs(t, err, cache.ErrDecode, "MultiGet (%s)", name)
			_, _, _, err = c.GetVersion(ctx, "bad")
			assert.ErrorIs(t, err, cache.ErrDecode, "GetVersion (%s)", name)
			// The bytes are left as they were.
			AssertValue(t, raw, "bad", []byte("\xff{not json"))
		}
		// On a byte store the default serializer (JSON) reads JSON written
		// by anyone; on the memory store bytes are not a point.
		_, _, err := readers["json"].Get(ctx, "good")
		assert.NoError(t, err)
	})

	if h.WriteRaw != nil {
		t.Run("ForeignBytesAreErrDecodeNamingTheKey", func(t *testing.T) {
			s := h.store(t)
			c := NewCache[string, point](t, s, cache.Options[string, point]{Namespace: "f"})
			h.WriteRaw(t, c.Key("foreign"), []byte("\x00\x01 not a point"))
			_, found, err := c.Get(t.Context(), "foreign")
			assert.ErrorIs(t, err, cache.ErrDecode)
			assert.False(t, found)
			assert.Contains(t, err.Error(), "f:foreign")
			raw := NewCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "f", Serializer: RawBytes{}})
			AssertValue(t, raw, "foreign", []byte("\x00\x01 not a point"))
		})
	}

	t.Run("CancelledContext", func(t *testing.T) {
		s := h.store(t)
		c := NewCache[string, int](t, s, cache.Options[string, int]{})
		require.NoError(t, c.Set(t.Context(), "k", 1))
		cancelled, cancel := context.WithCancel(t.Context())
		cancel()
		expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		defer cancel2()
		for _, tc := range []struct {
			ctx  context.Context
			want error
		}{{cancelled, context.Canceled}, {expired, context.DeadlineExceeded}} {
			for name, err := range everyOperation(tc.ctx, c) {
				assert.Equal(t, tc.want, err, "%s returns ctx's error unchanged", name)
			}
		}
		AssertValue(t, c, "k", 1)
	})

	if h.Dead != nil {
		t.Run("DeadServer", func(t *testing.T) {
			s := h.Dead(t)
			t.Cleanup(func() { _ = s.Close() })
			c := NewCache[string, int](t, s, cache.Options[string, int]{})
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			start := time.Now()
			for name, err := range everyOperation(ctx, c) {
				if assert.Error(t, err, name) {
					assert.True(t, isNetworkError(err) || errors.Is(err, context.DeadlineExceeded),
						"%s: %v is neither a network error nor the deadline", name, err)
				}
			}
			assert.Less(t, time.Since(start), 10*time.Second, "operations on a dead server return promptly")
		})
	}

	if h.Slow != nil {
		t.Run("SlowServerReturnsAtTheDeadline", func(t *testing.T) { runSlowServer(t, h) })
	}

	t.Run("ClosedStore", func(t *testing.T) {
		s := h.New(t)
		c := NewCache[string, int](t, s, cache.Options[string, int]{})
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "Close is idempotent")
		for name, err := range everyOperation(t.Context(), c) {
			assert.ErrorIs(t, err, cache.ErrClosed, name)
		}
		// Calls that have nothing to do still say the store is closed, on
		// a store that reads or writes many keys at once.
		if _, ok := s.(cache.MultiGetter); ok {
			_, err := c.MultiGet(t.Context())
			assert.ErrorIs(t, err, cache.ErrClosed, "MultiGet of no keys")
		}
		if _, ok := s.(cache.MultiSetter); ok {
			assert.ErrorIs(t, c.MultiSet(t.Context(), map[string]int{}), cache.ErrClosed, "MultiSet of no items")
		}
	})
}

// operation is one call of a cache operation, by name.
type operation struct {
	name string
	call func(ctx context.Context) error
}

// operations are one call of each operation of c (Increment only if the
// store has it: without, it fails at once whatever the ctx).
func operations(c *cache.Cache[string, int]) []operation {
	errOf := func(_ any, err error) error { return err }
	ops := []operation{
		{"Get", func(ctx context.Context) error { _, _, err := c.Get(ctx, "k"); return err }},
		{"MultiGet", func(ctx context.Context) error { return errOf(c.MultiGet(ctx, "k", "l")) }},
		{"Set", func(ctx context.Context) error { return c.Set(ctx, "k", 2) }},
		{"MultiSet", func(ctx context.Context) error { return c.MultiSet(ctx, map[string]int{"k": 2, "l": 3}) }},
		{"Add", func(ctx context.Context) error { return c.Add(ctx, "new", 2) }},
		{"Delete", func(ctx context.Context) error { return errOf(c.Delete(ctx, "k")) }},
		{"Exists", func(ctx context.Context) error { return errOf(c.Exists(ctx, "k")) }},
		{"Expire", func(ctx context.Context) error { return errOf(c.Expire(ctx, "k", time.Minute)) }},
		{"Clear", func(ctx context.Context) error { return c.Clear(ctx) }},
		{"GetVersion", func(ctx context.Context) error { _, _, _, err := c.GetVersion(ctx, "k"); return err }},
		{"CompareAndSwap", func(ctx context.Context) error { _, _, err := c.CompareAndSwap(ctx, "k", nil, 2); return err }},
		{"Store.CompareAndDelete", func(ctx context.Context) error {
			return errOf(c.Store().CompareAndDelete(ctx, "k", []byte("t")))
		}},
	}
	if incrementer(c.Store()) {
		ops = append(ops, operation{"Increment", func(ctx context.Context) error { return errOf(c.Increment(ctx, "n", 1)) }})
	}
	return ops
}

// everyOperation runs each operation of c once and returns its error.
func everyOperation(ctx context.Context, c *cache.Cache[string, int]) map[string]error {
	errs := map[string]error{}
	for _, op := range operations(c) {
		errs[op.name] = op.call(ctx)
	}
	return errs
}

// slowDelay is how long the server of Harness.Slow takes to answer: long
// enough after runSlowServer's deadline (50ms) and slack that a store that
// waits for the answer cannot pass for one that returns at the deadline.
const slowDelay = time.Second

// runSlowServer checks that an operation whose deadline passes while the
// server is slow to answer returns at its deadline, with an error matching
// context.DeadlineExceeded, rather than when the answer comes.
func runSlowServer(t *testing.T, h Harness) {
	s := h.Slow(t, slowDelay)
	t.Cleanup(func() { _ = s.Close() })
	c := NewCache[string, int](t, s, cache.Options[string, int]{Namespace: "slow"})
	// A store that honours ctx returns within a scheduling delay of the
	// deadline (a few ms, logged by the faults suite); one that waits for
	// the server returns after slowDelay. The slack is wide for a loaded
	// machine and still far below slowDelay.
	deadline, slack := 50*time.Millisecond, 500*time.Millisecond
	for _, op := range operations(c) {
		ctx, cancel := context.WithTimeout(t.Context(), deadline)
		start := time.Now()
		err := op.call(ctx)
		took := time.Since(start)
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded, op.name)
		assert.Less(t, took, deadline+slack, "%s returned %v after a deadline of %v, with the server answering after %v",
			op.name, took, deadline, slowDelay)
	}
}

// isNetworkError reports whether err is, or wraps, a failure of the
// network: what a store reports for a server that is gone.
func isNetworkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}
