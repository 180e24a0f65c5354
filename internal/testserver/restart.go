package testserver

import (
	"fmt"
	"net"
	"sync"
	"testing"
)

// Server is a server of one test's own, unlike the shared ones of Redis,
// RedisCluster and Memcached: the test may kill it (SIGKILL, as a crash or
// an OOM kill would) and start it again on the same port, so that its
// clients can be watched going through an outage and reconnecting. It
// keeps no data across a kill. It is stopped when the test ends, and by
// Main if the test binary ends first.
type Server struct {
	name  string
	addr  string
	port  int
	dir   string
	start func(n int) (*process, error) // the n-th start, ready when it returns

	mu     sync.Mutex // guards proc and starts
	proc   *process   // nil while killed
	starts int
}

// StartRedis starts a standalone redis-server of tb's own.
func StartRedis(tb testing.TB) *Server {
	tb.Helper()
	return startOwn(tb, "redis", freePort, func(s *Server, n int) (*process, error) {
		return s.run(n, "redis-server", "redis-server", false, redisArgs(s.port, s.dir), pingRedis)
	})
}

// StartMemcached starts a memcached of tb's own.
func StartMemcached(tb testing.TB) *Server {
	tb.Helper()
	return startOwn(tb, "memcached", freePort, func(s *Server, n int) (*process, error) {
		return s.run(n, "memcached", "memcached", true, memcachedArgs(s.port), memcachedVersion)
	})
}

// StartRedisCluster1 starts a Redis Cluster of one master, which holds
// every slot, of tb's own. Each start returns once the node reports
// cluster_state:ok; after a restart Redis waits two seconds before it
// does (a rebooted master lets the cluster reconfigure it first). Its
// cluster configuration (nodes.conf) survives a kill, its data does not.
func StartRedisCluster1(tb testing.TB) *Server {
	tb.Helper()
	port := func() (int, error) {
		ports, err := freeClusterPorts(1)
		if err != nil {
			return 0, err
		}
		return ports[0], nil
	}
	return startOwn(tb, "cluster1", port, func(s *Server, n int) (*process, error) {
		args := append(redisArgs(s.port, s.dir),
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000",
			"--cluster-announce-ip", "127.0.0.1",
		)
		p, err := s.run(n, "redis-server", "redis-server", false, args, pingRedis)
		if err != nil {
			return nil, err
		}
		if n == 1 {
			// nodes.conf keeps the slots for the next starts.
			err = joinCluster([]string{s.addr})
		}
		if err == nil {
			err = waitClusterOK([]*process{p}, []string{s.addr})
		}
		if err != nil {
			stopAll([]*process{p})
			return nil, err
		}
		return p, nil
	})
}

// startOwn starts the first process of a Server, on a port from port.
func startOwn(tb testing.TB, name string, port func() (int, error), start func(s *Server, n int) (*process, error)) *Server {
	tb.Helper()
	s, err := retryPorts(func() (*Server, error) {
		p, err := port()
		if err != nil {
			return nil, err
		}
		dir, err := servers.mkdirTemp(name)
		if err != nil {
			return nil, err
		}
		s := &Server{name: name, addr: addrOf(p), port: p, dir: dir}
		s.start = func(n int) (*process, error) { return start(s, n) }
		if err := s.restart(); err != nil {
			servers.discard(dir)
			return nil, err
		}
		return s, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Kill()
		servers.discard(s.dir)
	})
	return s
}

// run starts the n-th process of s and waits until probe passes.
func (s *Server) run(n int, bin, pkg string, hard bool, args []string, probe func(net.Conn) error) (*process, error) {
	path, err := lookPath(bin, pkg)
	if err != nil {
		return nil, err
	}
	p, err := servers.start(command{dir: s.dir, log: fmt.Sprintf("%s-%d.log", s.name, n), path: path, args: args, kill: hard})
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(s.addr, probe); err != nil {
		stopAll([]*process{p})
		return nil, err
	}
	return p, nil
}

// Addr returns the server's address, "127.0.0.1:port", the same across
// restarts.
func (s *Server) Addr() string { return s.addr }

// Kill ends the server with SIGKILL, at once, and waits until it has
// exited: its port then refuses connections and its clients' connections
// are gone. Killing a killed server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	s.proc.kill()
	<-s.proc.done
	s.proc = nil
}

// Restart starts a killed server again on the same port and returns once
// it is ready (as its Start function says), failing tb if it cannot be
// started, for example because something else took the port meanwhile.
// Restarting a running server does nothing.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	if err := s.restart(); err != nil {
		tb.Fatalf("testserver: restart %s on %s: %v", s.name, s.addr, err)
	}
}

func (s *Server) restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return nil
	}
	s.starts++
	p, err := s.start(s.starts)
	if err != nil {
		return err
	}
	s.proc = p
	return nil
}
