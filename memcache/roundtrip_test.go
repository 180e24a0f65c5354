package memcache

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/testserver"
)

// countingConn counts the writes of a connection: gomemcache flushes each
// command in one write, so writes are round trips. It keeps the last.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
	last   *atomic.Value // string
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	c.last.Store(string(p))
	return c.Conn.Write(p)
}

// lastCommands is the last write of every countingConn of the test.
var lastCommands atomic.Value

// countingStore returns a store whose round trips to memcached are counted
// in the returned counter.
func countingStore(t *testing.T, opts Options) (*Store, *atomic.Int64) {
	var writes atomic.Int64
	client := gm.New(testserver.Memcached(t))
	client.Timeout = 2 * time.Second
	client.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := new(net.Dialer).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: conn, writes: &writes, last: &lastCommands}, nil
	}
	s := New(client, opts)
	t.Cleanup(func() {
		_ = s.Close()
		_ = client.Close()
	})
	return s, &writes
}

func TestRoundTripsOfCommonOperations(t *testing.T) {
	s, writes := countingStore(t, Options{})
	ctx := t.Context()
	plain, ns := uniq(t, "plain"), uniq(t, "ns")
	namespaced, inNS := ns+":k", in(s, ns)
	require.NoError(t, inNS.Set(ctx, namespaced, []byte("v"), 0)) // creates and caches the generation
	// The reads of package loader: a key with its age and the mark of its
	// absence beside it (a hit), and with its version (under the lock).
	c := cache.Must(cache.New(s, cache.Options[string, []byte]{Namespace: ns}))
	probe := func(p cache.Probe) func() error {
		return func() error { _, err := c.Probe(ctx, p, c.Key("k")); return err }
	}
	cases := []struct {
		name string
		do   func() error
		want int64
	}{
		{"Set of a key without namespace", func() error { return s.Set(ctx, plain, []byte("v"), 0) }, 1},
		{"Get of a key without namespace", func() error { _, _, err := s.Get(ctx, plain); return err }, 1},
		{"Get of a key with ':' without namespace", func() error { _, _, err := s.Get(ctx, namespaced); return err }, 1},
		{"Get of a namespaced key", func() error { _, _, err := inNS.Get(ctx, namespaced); return err }, 1},
		{"Set of a namespaced key", func() error { return inNS.Set(ctx, namespaced, []byte("w"), 0) }, 2},
		{"MultiGet of namespaced keys", func() error { _, err := inNS.MultiGet(ctx, []string{namespaced, ns + ":l"}); return err }, 1},
		{"MultiGetTTL of namespaced keys", func() error { _, _, err := inNS.MultiGetTTL(ctx, []string{namespaced, ns + ":l"}); return err }, 1},
		{"MultiGetVersion of namespaced keys", func() error { _, _, err := inNS.MultiGetVersion(ctx, []string{namespaced, ns + ":l"}); return err }, 1},
		{"Probe of a key, its TTL and the entry beside it", probe(cache.Probe{TTL: true, Beside: "-miss"}), 1},
		{"Probe of a key, its version and the entry beside it", probe(cache.Probe{Version: true, Beside: "-miss"}), 1},
		{"Increment of a key without namespace", func() error { _, err := s.Increment(ctx, plain+"n", 1); return err }, 2}, // get misses, add
		// get (Redis' rules are checked before memcached's laxer incr), incr
		{"Increment again", func() error { _, err := s.Increment(ctx, plain+"n", 1); return err }, 2},
		{"Increment by a negative delta", func() error { _, err := s.Increment(ctx, plain+"n", -1); return err }, 2}, // gets, cas
		{"Increment by 0", func() error { _, err := s.Increment(ctx, plain+"n", 0); return err }, 1},
	}
	for _, c := range cases {
		before := writes.Load()
		require.NoError(t, c.do(), c.name)
		assert.Equal(t, c.want, writes.Load()-before, c.name)
	}
}

func TestGenerationTTLMakesANamespacedGetOneKey(t *testing.T) {
	s, writes := countingStore(t, Options{GenerationTTL: time.Minute})
	ctx := t.Context()
	ns := uniq(t, "ns")
	inNS := in(s, ns)
	require.NoError(t, inNS.Set(ctx, ns+":k", []byte("v"), 0)) // reads and trusts the generation
	before := writes.Load()
	_, _, err := inNS.Get(ctx, ns+":k")
	require.NoError(t, err)
	assert.Equal(t, int64(1), writes.Load()-before, "one round trip")
	cmd := lastCommands.Load().(string)
	assert.Len(t, strings.Fields(cmd), 2, "a get of one key, not of the key and its generation: %q", cmd)
}
