package testserver

import "net"

// serverSpec says how to start one server of a kind.
type serverSpec struct {
	bin, pkg string // the binary, and the Debian package that installs it
	name     string // names the temp dir and the log file
	args     func(port int, dir string) []string
	kill     bool                 // stop it with SIGKILL at once
	ready    func(net.Conn) error // the readiness probe
}

// startServer starts a server of spec in g on a port from port, in a temp
// dir of its own, and waits until it passes the readiness probe. A port
// taken meanwhile by someone else is retried on another.
func (g *group) startServer(spec serverSpec, port func() (int, error)) (string, error) {
	bin, err := lookPath(spec.bin, spec.pkg)
	if err != nil {
		return "", err
	}
	return retryPorts(func() (string, error) {
		port, err := port()
		if err != nil {
			return "", err
		}
		dir, err := g.mkdirTemp(spec.name)
		if err != nil {
			return "", err
		}
		p, err := g.start(command{dir: dir, log: spec.name + ".log", path: bin, args: spec.args(port, dir), kill: spec.kill})
		if err != nil {
			g.discard(dir)
			return "", err
		}
		addr := addrOf(port)
		if err := p.waitReady(addr, spec.ready); err != nil {
			g.discard(dir, p)
			return "", err
		}
		return addr, nil
	})
}
