package cachetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
)

const (
	// bufferDelay is how long the server of Harness.Slow takes to answer
	// in runReusedBuffers: every write's reply comes long after its
	// deadline, so that every write ends by its ctx.
	bufferDelay = 100 * time.Millisecond
	// bufferSize is the size of each value: larger than a client's write
	// buffer, so that a client writes it from the caller's slice itself.
	bufferSize = 16 << 10
	// bufferWriters and bufferRounds are how many goroutines write at
	// once in runReusedBuffers, and how many writes each makes per
	// operation.
	bufferWriters, bufferRounds = 8, 24
	// bufferMaxDeadline bounds the deadline of each write, drawn at
	// random from 0 to it, so that deadlines fall before, while and after
	// a store sends the write.
	bufferMaxDeadline = 3 * time.Millisecond
	// bufferSettle is how long runReusedBuffers reads the keys after the
	// last write returned: a write a store goes on with after its caller
	// has gone lands within the server's delay (and the client's timeout,
	// twice it for memcached); no store says when, so the test reads for
	// long enough, and any foreign bytes it sees meanwhile fail it.
	bufferSettle = 3*bufferDelay + 500*time.Millisecond
)

// bufferWrite is one write of runReusedBuffers: the keys it wrote and the
// bytes each must hold if the write landed.
type bufferWrite struct {
	keys []string
	want [][]byte
	// before is what each key held before the write, nil for nothing.
	before [][]byte
}

// runReusedBuffers checks that a write whose ctx ends while the store may
// still be at it never stores another call's bytes: the caller reuses its
// buffer for its next write as soon as the call returns (a
// Cache[string, []byte] with a serializer that does not copy hands the
// caller's slice to the store), so a store that goes on writing after it
// returned must write a copy it owns. Set, Add, CompareAndSwap and
// MultiSet run on a slow server (Harness.Slow, when the stores share
// their data), with deadlines that end them before, while and after they
// send; each key then holds what its own write gave it, or what it held
// before, and never bytes that the caller wrote into the buffer later.
func runReusedBuffers(t *testing.T, h Harness) {
	reader := h.store(t)
	writer := reader
	if h.Slow != nil && h.Shared {
		writer = h.Slow(t, bufferDelay)
		t.Cleanup(func() { _ = writer.Close() })
	}
	opts := cache.Options[string, []byte]{Serializer: RawBytes{}}
	w := NewCache[string, []byte](t, writer, opts)
	r := NewCache[string, []byte](t, reader, opts)
	ctx := t.Context()

	type op struct {
		name string
		// prepare readies key (through the reader) and returns what it
		// holds and a version for the write, if any.
		prepare func(key string) ([]byte, cache.Version)
		write   func(ctx context.Context, keys []string, bufs [][]byte, ver cache.Version) error
		keys    int
	}
	absent := func(string) ([]byte, cache.Version) { return nil, nil }
	ops := []op{
		{"Set", absent, func(ctx context.Context, keys []string, bufs [][]byte, _ cache.Version) error {
			return w.Set(ctx, keys[0], bufs[0])
		}, 1},
		{"Add", absent, func(ctx context.Context, keys []string, bufs [][]byte, _ cache.Version) error {
			return w.Add(ctx, keys[0], bufs[0])
		}, 1},
		{"CompareAndSwap", func(key string) ([]byte, cache.Version) {
			old := []byte("before " + key)
			require.NoError(t, r.Set(ctx, key, old))
			_, ver, found, err := r.GetVersion(ctx, key)
			require.NoError(t, err)
			require.True(t, found)
			return old, ver
		}, func(ctx context.Context, keys []string, bufs [][]byte, ver cache.Version) error {
			_, _, err := w.CompareAndSwap(ctx, keys[0], ver, bufs[0])
			return err
		}, 1},
		{"MultiSet", absent, func(ctx context.Context, keys []string, bufs [][]byte, _ cache.Version) error {
			items := make(map[string][]byte, len(keys))
			for i, k := range keys {
				items[k] = bufs[i]
			}
			return w.MultiSet(ctx, items)
		}, 3},
	}
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			var (
				mu     sync.Mutex
				writes []bufferWrite
				wg     sync.WaitGroup
			)
			for g := range bufferWriters {
				// Each writer prepares its keys first, so that the writes
				// follow each other as closely as a busy caller's.
				type planned struct {
					keys   []string
					before [][]byte
					ver    cache.Version
				}
				plan := make([]planned, bufferRounds)
				for round := range plan {
					p := planned{before: make([][]byte, o.keys)}
					for i := range o.keys {
						p.keys = append(p.keys, fmt.Sprintf("buf-%s-%d-%d-%d", o.name, g, round, i))
					}
					p.before[0], p.ver = o.prepare(p.keys[0])
					plan[round] = p
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					bufs := make([][]byte, o.keys)
					for i := range bufs {
						bufs[i] = make([]byte, bufferSize)
					}
					for round, p := range plan {
						want := make([][]byte, len(bufs))
						for i := range bufs {
							fillBuffer(bufs[i], p.keys[i])
							want[i] = bytes.Clone(bufs[i])
						}
						wctx, cancel := context.WithTimeout(ctx, rand.N(bufferMaxDeadline))
						err := o.write(wctx, p.keys, bufs, p.ver)
						cancel()
						if err != nil && !errors.Is(err, context.DeadlineExceeded) {
							t.Errorf("%s of %s: %v", o.name, p.keys[0], err)
						}
						// The caller reuses its buffers at once, for
						// another request's bytes.
						for i := range bufs {
							fillBuffer(bufs[i], fmt.Sprintf("reused after %s-%d-%d", o.name, g, round))
						}
						mu.Lock()
						writes = append(writes, bufferWrite{keys: p.keys, want: want, before: p.before})
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			checkBuffers(t, r, writes, time.Now().Add(bufferSettle))
		})
	}
}

// fillBuffer fills b with bytes derived from label: a header naming it,
// then a byte of its own.
func fillBuffer(b []byte, label string) {
	n := copy(b, label+"|")
	fill := byte(len(label)*31 + int(label[len(label)-1]))
	for i := n; i < len(b); i++ {
		b[i] = fill
	}
}

// checkBuffers reads the keys of writes through c until each holds its
// own write's bytes, or until settle, and fails t for any key that holds
// bytes other than its own write's or what it held before it.
func checkBuffers(t *testing.T, c *cache.Cache[string, []byte], writes []bufferWrite, settle time.Time) {
	t.Helper()
	type pending struct {
		key          string
		want, before []byte
	}
	var keys []pending
	for _, w := range writes {
		for i, k := range w.keys {
			keys = append(keys, pending{k, w.want[i], w.before[i]})
		}
	}
	landed, foreign := 0, 0
	for len(keys) > 0 {
		var next []pending
		for _, p := range keys {
			got, found, err := c.Get(t.Context(), p.key)
			require.NoError(t, err, "get %s", p.key)
			switch {
			case found && bytes.Equal(got, p.want):
				landed++
			case !found && p.before == nil, found && bytes.Equal(got, p.before):
				next = append(next, p) // not yet, or never
			default:
				foreign++
				if foreign <= 3 {
					assert.Failf(t, "a key holds bytes its write was not given",
						"%s holds %q..., want %q... or %q", p.key, head(got), head(p.want), head(p.before))
				}
			}
		}
		keys = next
		if len(keys) == 0 || time.Now().After(settle) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d writes: %d keys hold their own write's bytes, %d what they held before, %d another call's",
		len(writes), landed, len(keys), foreign)
	assert.Zero(t, foreign, "keys that hold bytes written into the caller's buffer after its call returned")
}

// head is the start of b, for a message.
func head(b []byte) []byte { return b[:min(len(b), 40)] }
