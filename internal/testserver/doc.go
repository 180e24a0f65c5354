// Package testserver starts real redis-server and memcached processes for the
// tests of this module.
//
// Each kind of server is started at most once per test binary, lazily, by the
// first test that asks for it:
//
//	func TestMain(m *testing.M) { testserver.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		addr := testserver.Redis(t) // "127.0.0.1:port"
//		...
//	}
//
// Servers listen on 127.0.0.1 only, on ports chosen by the kernel, keep no
// data on disk and run in a temporary directory. Several test binaries may
// run at the same time: each starts its own servers. Because the servers are
// shared by every test of a binary, tests must use keys that no other test
// uses (for example, prefixed with t.Name()) rather than flushing the server.
//
// A test that needs to crash a server starts one of its own instead
// (StartRedis, StartMemcached, StartRedisCluster1): a Server that it can
// Kill with SIGKILL and Restart on the same port. Proxy and ProxyWith put a
// local port in front of any server that injects network faults: delays,
// connections reset at a given rate, or a sudden death of every
// connection.
//
// A server that cannot be started fails the test that asked for it, and every
// later test of the binary that asks for it fails at once with the same error;
// a missing binary is reported with the command that installs it. Tests are
// never skipped.
//
// Main stops every server after the tests have run. On Linux the processes are
// also killed by the kernel when the test binary dies, even if it crashes
// before Main could stop them; the temporary directories it leaves behind are
// removed by the next test binary that starts a server.
//
// The package talks to the servers with a minimal client of its own, so it
// depends on nothing but the standard library and go.uber.org/goleak.
package testserver
