package testserver

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// clusterSize is the number of masters of the cluster; it has no
	// replicas.
	clusterSize = 3
	// clusterSlots is the number of hash slots of a Redis Cluster.
	clusterSlots = 16384
	// clusterTimeout bounds the wait for a joined cluster to report ok.
	// A new master waits two seconds before it turns ok, whatever we do.
	clusterTimeout = 15 * time.Second
)

var cluster lazy[[]string]

// RedisCluster returns the addresses ("127.0.0.1:port") of the three masters
// of a Redis Cluster without replicas, shared by the whole test binary and
// started on the first call. When it returns, every node reports
// cluster_state:ok and knows the owner of all 16384 slots. It fails tb if the
// cluster cannot be started. The returned slice is the caller's.
func RedisCluster(tb testing.TB) []string {
	tb.Helper()
	addrs, err := cluster.get(func() ([]string, error) { return startCluster(&servers) })
	if err != nil {
		tb.Fatal(err)
	}
	return append([]string(nil), addrs...)
}

// startCluster starts the nodes of a cluster in g, assigns each a third of
// the slots, joins them and waits until every node reports the cluster ok.
func startCluster(g *group) ([]string, error) {
	bin, err := lookPath("redis-server", "redis-server")
	if err != nil {
		return nil, err
	}
	return retryPorts(func() ([]string, error) {
		ports, err := freeClusterPorts(clusterSize)
		if err != nil {
			return nil, err
		}
		dir, err := g.mkdirTemp("cluster")
		if err != nil {
			return nil, err
		}
		var procs []*process
		addrs, err := func() ([]string, error) {
			for _, port := range ports {
				args := append(redisArgs(port, dir),
					"--cluster-enabled", "yes",
					"--cluster-config-file", fmt.Sprintf("nodes-%d.conf", port),
					"--cluster-node-timeout", "2000",
					"--cluster-announce-ip", "127.0.0.1",
				)
				p, err := g.start(command{dir: dir, log: fmt.Sprintf("redis-%d.log", port), path: bin, args: args})
				if err != nil {
					return nil, err
				}
				procs = append(procs, p)
			}
			// The nodes start in parallel; wait for each in turn.
			addrs := make([]string, len(ports))
			for i, port := range ports {
				addrs[i] = addrOf(port)
				if err := procs[i].waitReady(addrs[i], pingRedis); err != nil {
					return nil, err
				}
			}
			if err := joinCluster(addrs); err != nil {
				return nil, err
			}
			return addrs, waitClusterOK(procs, addrs)
		}()
		if err != nil {
			g.discard(dir, procs...)
			return nil, err
		}
		return addrs, nil
	})
}

// joinCluster gives each node a distinct config epoch and a contiguous third
// of the slots, then introduces the first node to the others. This is what
// "redis-cli --cluster create" does, without its one-second polling.
func joinCluster(addrs []string) error {
	deadline := time.Now().Add(readyTimeout)
	for i, addr := range addrs {
		first, last := i*clusterSlots/len(addrs), (i+1)*clusterSlots/len(addrs)-1
		args := []string{"CLUSTER", "ADDSLOTS"}
		for slot := first; slot <= last; slot++ {
			args = append(args, strconv.Itoa(slot))
		}
		err := withRedis(addr, deadline, func(c *respConn) error {
			if _, err := c.doString("CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1)); err != nil {
				return err
			}
			_, err := c.doString(args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("testserver: set up cluster node %s: %w", addr, err)
		}
	}
	return withRedis(addrs[0], deadline, func(c *respConn) error {
		for _, addr := range addrs[1:] {
			host, port, _ := net.SplitHostPort(addr)
			if _, err := c.doString("CLUSTER", "MEET", host, port); err != nil {
				return fmt.Errorf("testserver: join cluster node %s: %w", addr, err)
			}
		}
		return nil
	})
}

// waitClusterOK polls CLUSTER INFO on every node until each reports the
// cluster ok, knows every node and sees every slot assigned.
func waitClusterOK(procs []*process, addrs []string) error {
	deadline := time.Now().Add(clusterTimeout)
	want := []string{
		"cluster_state:ok",
		"cluster_slots_assigned:" + strconv.Itoa(clusterSlots),
		"cluster_slots_ok:" + strconv.Itoa(clusterSlots),
		"cluster_known_nodes:" + strconv.Itoa(len(addrs)),
	}
	for i, addr := range addrs {
		var info string
		for {
			err := withRedis(addr, deadline, func(c *respConn) error {
				var err error
				info, err = c.doString("CLUSTER", "INFO")
				return err
			})
			if err == nil && hasFields(info, want) {
				break
			}
			if !time.Now().Before(deadline) {
				return fmt.Errorf("testserver: cluster node %s not ok within %v (err: %v); CLUSTER INFO:\n%s\nits output:\n%s",
					addr, clusterTimeout, err, info, procs[i].output())
			}
			timer := time.NewTimer(20 * time.Millisecond)
			select {
			case <-procs[i].done:
				timer.Stop()
				return procs[i].exitError()
			case <-timer.C:
			}
		}
	}
	return nil
}

// hasFields reports whether every line of want is a line of info.
func hasFields(info string, want []string) bool {
	lines := strings.Split(strings.ReplaceAll(info, "\r\n", "\n"), "\n")
	for _, w := range want {
		if !slices.Contains(lines, w) {
			return false
		}
	}
	return true
}

// withRedis dials addr and runs f on the connection, all before deadline and
// within two seconds.
func withRedis(addr string, deadline time.Time, f func(*respConn) error) error {
	return probeOnce(addr, earliest(deadline, time.Now().Add(2*time.Second)), func(conn net.Conn) error { return f(newRESPConn(conn)) })
}
