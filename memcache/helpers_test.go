package memcache

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	"github.com/cachekit/cachekit/internal/testserver"
)

func TestMain(m *testing.M) { testserver.Main(m) }

// newStore returns a store on the test memcached, through a client of its
// own, closed (store and client) when t ends.
func newStore(t testing.TB, opts Options) *Store {
	t.Helper()
	client := gm.New(testserver.Memcached(t))
	client.MaxIdleConns = 16
	client.Timeout = 2 * time.Second
	s := New(client, opts)
	t.Cleanup(func() {
		_ = s.Close()
		_ = client.Close()
	})
	return s
}

// uniq returns a name unique to t and suffix, usable as a key or a
// namespace (no ':'). It is the same for every call of one test, and
// differs between runs of a test in one process (go test -count=N), which
// share one memcached: a run must not find the keys of the one before.
func uniq(t testing.TB, suffix string) string {
	run, _ := runs.LoadOrStore(t, runSeq.Add(1))
	return strings.NewReplacer("/", ".", ":", ".", " ", "_").Replace(t.Name()) + "." + strconv.FormatInt(run.(int64), 10) + "." + suffix
}

// runs numbers the tests that called uniq, by their testing.TB.
var (
	runs   sync.Map
	runSeq atomic.Int64
)

// raw sends one text-protocol command to the test memcached.
func raw(t testing.TB, line string) string {
	t.Helper()
	return testserver.MemcachedCommand(t, testserver.Memcached(t), line)
}

// rawValue returns the value stored under the memcached key mkey, and
// whether there is one, read with the plain protocol.
func rawValue(t testing.TB, mkey string) (string, bool) {
	t.Helper()
	resp := raw(t, "get "+mkey)
	if resp == "END" {
		return "", false
	}
	head, rest, ok := strings.Cut(resp, "\r\n")
	if !ok || !strings.HasPrefix(head, "VALUE ") || !strings.HasSuffix(rest, "\r\nEND") {
		t.Fatalf("unexpected reply to get %s: %q", mkey, resp)
	}
	return strings.TrimSuffix(rest, "\r\nEND"), true
}

// rawTTL returns the seconds left to the entry under the memcached key
// mkey (-1: no expiry) and its flags, read with memcached's meta get. It
// fails t when the key is missing.
func rawTTL(t testing.TB, mkey string) (ttl int, flags string) {
	t.Helper()
	resp := raw(t, "mg "+mkey+" t f")
	f := strings.Fields(resp)
	if len(f) != 3 || f[0] != "HD" || !strings.HasPrefix(f[1], "t") || !strings.HasPrefix(f[2], "f") {
		t.Fatalf("unexpected reply to mg %s: %q", mkey, resp)
	}
	ttl, err := strconv.Atoi(f[1][1:])
	if err != nil {
		t.Fatalf("unexpected reply to mg %s: %q", mkey, resp)
	}
	return ttl, f[2][1:]
}

// in returns the Store of namespace ns of s, on which a cache with that
// namespace runs.
func in(s *Store, ns string) *Store { return s.Namespace(ns).(*Store) }

// seenGenOf returns the generation of ns that s last saw; it fails t if s
// saw none.
func seenGenOf(t testing.TB, s *Store, ns string) string {
	t.Helper()
	seen, _ := s.cachedGen(s.spaces.get(ns))
	if seen == nil {
		t.Fatalf("the store has seen no generation of namespace %q", ns)
	}
	return seen.gen
}
