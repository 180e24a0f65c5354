package testserver

import (
	"fmt"
	"net"
	"slices"
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

// freePorts returns n distinct free ports.
func freePorts(n int) ([]int, error) {
	return pickPorts(n, "free ports", func(ports []int, port int) bool { return !slices.Contains(ports, port) })
}

// freeClusterPorts returns n distinct free ports whose cluster bus ports
// (port+10000) exist and are free too.
func freeClusterPorts(n int) ([]int, error) {
	return pickPorts(n, fmt.Sprintf("free port pairs (port, port+%d)", clusterBusOffset), func(ports []int, port int) bool {
		return port+clusterBusOffset <= 65535 && portFree(port+clusterBusOffset) && !contains(ports, port)
	})
}

// pickPorts returns n free ports, each one that ok accepts beside those
// chosen before it; what names them in the error.
func pickPorts(n int, what string, ok func(ports []int, port int) bool) ([]int, error) {
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
		if ok(ports, port) {
			ports = append(ports, port)
		}
	}
	if len(ports) == n {
		return ports, nil
	}
	return nil, fmt.Errorf("testserver: no %d %s found in %d attempts", n, what, attempts)
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
