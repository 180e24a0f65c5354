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
	"github.com/cachekit/cachekit/serializer"
)

func runErrors(t *testing.T, h Harness) {
	t.Run("UndecodableBytesAreErrDecode", func(t *testing.T) {
		s := h.store(t)
		ctx := t.Context()
		raw := newCache[string, []byte](t, s, cache.Options[string, []byte]{Serializer: serializer.Bytes()})
		require.NoError(t, raw.Set(ctx, "bad", []byte("\xff{not json")))
		require.NoError(t, raw.Set(ctx, "good", []byte(`{"X":1,"Y":2}`)))
		readers := map[string]*cache.Cache[string, point]{
			"json":    newCache[string, point](t, s, cache.Options[string, point]{Serializer: serializer.JSON[point]()}),
			"msgpack": newCache[string, point](t, s, cache.Options[string, point]{Serializer: serializer.Msgpack[point]()}),
			"gob":     newCache[string, point](t, s, cache.Options[string, point]{Serializer: serializer.Gob[point]()}),
			"default": newCache[string, point](t, s, cache.Options[string, point]{}),
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
			assertValue(t, raw, "bad", []byte("\xff{not json"))
		}
		// On a byte store the default serializer (JSON) reads JSON written
		// by anyone; on the memory store bytes are not a point.
		_, _, err := readers["json"].Get(ctx, "good")
		assert.NoError(t, err)
	})

	if h.WriteRaw != nil {
		t.Run("ForeignBytesAreErrDecodeNamingTheKey", func(t *testing.T) {
			s := h.store(t)
			c := newCache[string, point](t, s, cache.Options[string, point]{Namespace: "f"})
			h.WriteRaw(t, c.Key("foreign"), []byte("\x00\x01 not a point"))
			_, found, err := c.Get(t.Context(), "foreign")
			assert.ErrorIs(t, err, cache.ErrDecode)
			assert.False(t, found)
			assert.Contains(t, err.Error(), "f:foreign")
			raw := newCache[string, []byte](t, s, cache.Options[string, []byte]{Namespace: "f", Serializer: serializer.Bytes()})
			assertValue(t, raw, "foreign", []byte("\x00\x01 not a point"))
		})
	}

	t.Run("CancelledContext", func(t *testing.T) {
		s := h.store(t)
		c := newCache[string, int](t, s, cache.Options[string, int]{})
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
				assert.ErrorIs(t, err, tc.want, name)
			}
		}
		assertValue(t, c, "k", 1)
	})

	if h.Dead != nil {
		t.Run("DeadServer", func(t *testing.T) {
			s := h.Dead(t)
			t.Cleanup(func() { _ = s.Close() })
			c := newCache[string, int](t, s, cache.Options[string, int]{})
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

	t.Run("ClosedStore", func(t *testing.T) {
		s := h.New(t)
		c := newCache[string, int](t, s, cache.Options[string, int]{})
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "Close is idempotent")
		for name, err := range everyOperation(t.Context(), c) {
			assert.ErrorIs(t, err, cache.ErrClosed, name)
		}
	})
}

// everyOperation runs each operation of c once and returns its error.
func everyOperation(ctx context.Context, c *cache.Cache[string, int]) map[string]error {
	errs := map[string]error{}
	_, _, errs["Get"] = c.Get(ctx, "k")
	_, errs["MultiGet"] = c.MultiGet(ctx, "k", "l")
	errs["Set"] = c.Set(ctx, "k", 2)
	errs["MultiSet"] = c.MultiSet(ctx, map[string]int{"k": 2, "l": 3})
	errs["Add"] = c.Add(ctx, "new", 2)
	_, errs["Delete"] = c.Delete(ctx, "k")
	_, errs["Exists"] = c.Exists(ctx, "k")
	_, errs["Increment"] = c.Increment(ctx, "n", 1)
	_, errs["Expire"] = c.Expire(ctx, "k", time.Minute)
	errs["Clear"] = c.Clear(ctx)
	_, _, _, errs["GetVersion"] = c.GetVersion(ctx, "k")
	_, _, errs["CompareAndSwap"] = c.CompareAndSwap(ctx, "k", nil, 2)
	s := c.Store()
	_, errs["Store.CompareAndDelete"] = s.CompareAndDelete(ctx, "k", []byte("t"))
	return errs
}

// isNetworkError reports whether err is, or wraps, a failure of the
// network: what a store reports for a server that is gone.
func isNetworkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}
