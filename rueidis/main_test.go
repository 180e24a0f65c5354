package rueidis

import (
	"context"
	"testing"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/internal/testserver"
)

func TestMain(m *testing.M) { testserver.Main(m) }

// deployment is one kind of Redis deployment that the tests run on.
type deployment struct {
	name  string
	addrs func(tb testing.TB) []string
	// cliArgs come before the command of RedisCLI: -c lets redis-cli
	// follow the redirections of a Cluster.
	cliArgs []string
}

// deployments are the deployments every store test runs on.
var deployments = []deployment{
	{name: "standalone", addrs: func(tb testing.TB) []string { return []string{testserver.Redis(tb)} }},
	{name: "cluster", addrs: testserver.RedisCluster, cliArgs: []string{"-c"}},
}

// forEachDeployment runs test once per deployment, as a subtest.
func forEachDeployment(t *testing.T, test func(t *testing.T, d deployment)) {
	t.Helper()
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) { test(t, d) })
	}
}

// newClient returns a client of the deployment, closed when the test ends.
func (d deployment) newClient(tb testing.TB) rd.Client {
	tb.Helper()
	client, err := rd.NewClient(rd.ClientOption{InitAddress: d.addrs(tb)})
	if err != nil {
		tb.Fatalf("rueidis client of %s: %v", d.name, err)
	}
	tb.Cleanup(client.Close)
	return client
}

// newStore returns a Store on a new client of the deployment; both are
// closed when the test ends.
func (d deployment) newStore(tb testing.TB, opts Options) (*Store, rd.Client) {
	tb.Helper()
	client := d.newClient(tb)
	s := New(client, opts)
	tb.Cleanup(func() { _ = s.Close() })
	return s, client
}

// cli runs redis-cli with args on the deployment's first node.
func (d deployment) cli(tb testing.TB, args ...string) string {
	tb.Helper()
	return testserver.RedisCLI(tb, d.addrs(tb)[0], append(append([]string(nil), d.cliArgs...), args...)...)
}

// testKey returns the key "<test name>:k" and removes every key under the
// test's name before and after the test, so that reruns start clean.
func testKey(tb testing.TB, s *Store) string {
	tb.Helper()
	ns := tb.Name()
	cleaner := New(s.client, Options{}) // s itself may be closed by the test
	clear := func() {
		if err := cleaner.Clear(context.Background(), ns); err != nil {
			tb.Errorf("clear keys of %s: %v", ns, err)
		}
	}
	clear()
	tb.Cleanup(clear)
	return ns + ":k"
}
