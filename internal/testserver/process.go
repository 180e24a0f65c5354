package testserver

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

const (
	// readyTimeout bounds how long a started server may take to answer.
	readyTimeout = 10 * time.Second
	// stopTimeout is how long a server may take to exit after SIGTERM
	// before it is killed.
	stopTimeout = 3 * time.Second
	// outputTail is how much of a server's output an error quotes.
	outputTail = 4 << 10
)

var (
	// errNotInstalled is matched by the error for a missing server binary.
	errNotInstalled = errors.New("not found in PATH")
	// errPortInUse is matched by the error of a server that exited because
	// its port was taken between choosing it and binding it. The start is
	// retried on other ports.
	errPortInUse = errors.New("port already in use")
	// errStopped is returned for a server asked for after Main stopped them.
	errStopped = errors.New("testserver: servers are stopped")
)

// lookPath finds bin in PATH, or says which Debian package installs it.
func lookPath(bin, pkg string) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%s %w; install it with: apt-get install %s", bin, errNotInstalled, pkg)
	}
	return path, nil
}

// group owns the processes and temporary directories it started and stops
// them all at once. The zero value is ready to use.
type group struct {
	mu      sync.Mutex // guards the fields below
	stopped bool       // set by stop: nothing more may start
	procs   []*process
	dirs    []string
}

// servers holds everything this test binary started; Main stops it.
var servers group

// command describes a server process to start.
type command struct {
	dir  string   // working directory
	log  string   // file in dir that receives stdout and stderr
	path string   // the binary
	args []string // its arguments
	// kill says the server is stopped with SIGKILL at once. memcached only
	// notices SIGTERM on its once-a-second clock tick and keeps nothing
	// worth a graceful exit.
	kill bool
}

// start runs c. The process belongs to g until stop.
func (g *group) start(c command) (*process, error) {
	logPath := filepath.Join(c.dir, c.log)
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("testserver: %w", err)
	}
	// The child keeps its own copy of the descriptor.
	defer logFile.Close()

	cmd := exec.Command(c.path, c.args...)
	cmd.Dir = c.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	p := &process{
		name:    filepath.Base(c.path),
		cmd:     cmd,
		hard:    c.kill,
		logPath: logPath,
		done:    make(chan struct{}),
	}

	// Start under the lock, so that a concurrent stop either sees the
	// process or prevents it from starting.
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return nil, errStopped
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testserver: start %s: %w", p.name, err)
	}
	g.procs = append(g.procs, p)
	// This goroutine belongs to p and ends when the process exits, which
	// stopAll waits for.
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop ends every process of g (SIGTERM, then SIGKILL for those still
// running after stopTimeout), waits for them and removes the temporary
// directories. Nothing can be started in g afterwards. It is safe to call more
// than once.
func (g *group) stop() error {
	g.mu.Lock()
	g.stopped = true
	procs, dirs := g.procs, g.dirs
	g.procs, g.dirs = nil, nil
	g.mu.Unlock()

	stopAll(procs)
	var errs []error
	for _, dir := range dirs {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("testserver: %w", err))
		}
	}
	return errors.Join(errs...)
}

// discard stops procs and removes dir at once, for a start that failed: a
// server that is not handed out must not wait for Main to go away.
func (g *group) discard(dir string, procs ...*process) {
	stopAll(procs)
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.procs = slices.DeleteFunc(g.procs, func(p *process) bool { return slices.Contains(procs, p) })
	g.dirs = slices.DeleteFunc(g.dirs, func(d string) bool { return d == dir })
}

// stopAll asks every process to exit, gives them stopTimeout together, kills
// the ones still running, and waits for all of them.
func stopAll(procs []*process) {
	for _, p := range procs {
		p.terminate()
	}
	deadline := time.NewTimer(stopTimeout)
	defer deadline.Stop()
	for _, p := range procs {
		select {
		case <-p.done:
			continue
		case <-deadline.C:
		}
		// The shared deadline has passed: kill the rest at once.
		for _, q := range procs {
			q.kill()
		}
		break
	}
	for _, p := range procs {
		<-p.done
	}
}

// process is one running server.
type process struct {
	name    string // the binary's name, for messages
	cmd     *exec.Cmd
	logPath string        // where its stdout and stderr go
	done    chan struct{} // closed once the process has exited
	waitErr error         // how it exited; read only after done is closed
	hard    bool          // stop with SIGKILL only
}

// terminate sends SIGTERM (or SIGKILL if p.hard) to the process group unless
// it has exited.
func (p *process) terminate() {
	select {
	case <-p.done:
	default:
		if p.hard {
			kill(p.cmd)
		} else {
			terminate(p.cmd)
		}
	}
}

// kill sends SIGKILL to the process group unless it has exited.
func (p *process) kill() {
	select {
	case <-p.done:
	default:
		kill(p.cmd)
	}
}

// output returns the end of what the process wrote so far.
func (p *process) output() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(no output: %v)", err)
	}
	if len(data) > outputTail {
		data = data[len(data)-outputTail:]
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "(no output)"
	}
	return string(data)
}

// exitError describes how the process exited; call it only after done is
// closed. It matches errPortInUse when the server could not bind its port.
func (p *process) exitError() error {
	out := p.output()
	err := fmt.Errorf("testserver: %s exited (%v) before it was ready; its output:\n%s", p.name, p.waitErr, out)
	if bytes.Contains(bytes.ToLower([]byte(out)), []byte("address already in use")) {
		return fmt.Errorf("%w: %w", errPortInUse, err)
	}
	return err
}

// waitReady calls probe on new connections to addr until it succeeds, the
// process exits, or readyTimeout passes.
func (p *process) waitReady(addr string, probe func(net.Conn) error) error {
	deadline := time.Now().Add(readyTimeout)
	delay := 2 * time.Millisecond
	// A port taken by another listener accepts connections that never
	// answer: short first probes notice the server's exit sooner, longer
	// later ones let a slow server answer.
	probeTimeout := 100 * time.Millisecond
	for {
		err := probeOnce(addr, earliest(deadline, time.Now().Add(probeTimeout)), probe)
		probeTimeout = min(2*probeTimeout, time.Second)
		if err == nil {
			return nil
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("testserver: %s on %s did not answer within %v: %w; its output:\n%s",
				p.name, addr, readyTimeout, err, p.output())
		}
		timer := time.NewTimer(delay)
		select {
		case <-p.done:
			timer.Stop()
			return p.exitError()
		case <-timer.C:
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// probeOnce dials addr and runs probe on the connection, all before
// deadline.
func probeOnce(addr string, deadline time.Time, probe func(net.Conn) error) error {
	conn, err := net.DialTimeout("tcp", addr, time.Until(deadline))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	return probe(conn)
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// retryPorts calls try until it succeeds or fails for a reason other than a
// port taken by someone else in the meantime.
func retryPorts[T any](try func() (T, error)) (T, error) {
	const attempts = 5
	var (
		v   T
		err error
	)
	for range attempts {
		v, err = try()
		if !errors.Is(err, errPortInUse) {
			return v, err
		}
	}
	return v, fmt.Errorf("testserver: gave up after %d attempts: %w", attempts, err)
}
