package testserver

import (
	"fmt"
	"net"
	"strconv"
)

// clusterBusOffset is the distance between a cluster node's client port and
// its cluster bus port.
const clusterBusOffset = 10000

// freePort returns a port of 127.0.0.1 that the kernel reports free. Another
// process may take it before the server binds it; starts detect that
// (errPortInUse) and retry.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testserver: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports whether port of 127.0.0.1 can be listened on now.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// freeClusterPorts returns n distinct free ports whose cluster bus ports
// (port+10000) exist and are free too.
func freeClusterPorts(n int) ([]int, error) {
	const attempts = 1000
	ports := make([]int, 0, n)
	for range attempts {
		if len(ports) == n {
			return ports, nil
		}
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		if port+clusterBusOffset > 65535 || !portFree(port+clusterBusOffset) || contains(ports, port) {
			continue
		}
		ports = append(ports, port)
	}
	if len(ports) == n {
		return ports, nil
	}
	return nil, fmt.Errorf("testserver: no %d free port pairs (port, port+%d) found in %d attempts", n, clusterBusOffset, attempts)
}

// contains reports whether ports holds port or its bus port overlaps one
// already chosen.
func contains(ports []int, port int) bool {
	for _, p := range ports {
		if p == port || p == port+clusterBusOffset || p+clusterBusOffset == port {
			return true
		}
	}
	return false
}

func addrOf(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
