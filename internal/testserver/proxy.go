package testserver

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy forwards a new local port to the server at addr, so that a test can
// make the server die for its own clients without stopping it for the
// others: after kill, every forwarded connection is closed and the port
// refuses new ones. kill is idempotent, waits for the proxy's goroutines,
// and also runs when tb ends.
func Proxy(tb testing.TB, addr string) (proxyAddr string, kill func()) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testserver: proxy listen: %v", err)
	}
	p := &proxy{ln: ln, target: addr, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.kill)
	return ln.Addr().String(), p.kill
}

type proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup // the accept loop and every copy

	mu     sync.Mutex // guards conns and killed
	conns  map[net.Conn]struct{}
	killed bool
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed by kill
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		if !p.track(c, up) {
			return
		}
		p.wg.Add(2)
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

// track records both ends of a forwarded connection, or closes them if the
// proxy was killed meanwhile.
func (p *proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

// pipe copies from src to dst until either side closes, then closes both.
func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src) // ends when either side closes or resets
	_ = dst.Close()
	_ = src.Close()
}

func (p *proxy) kill() {
	p.mu.Lock()
	if !p.killed {
		p.killed = true
		_ = p.ln.Close()
		for c := range p.conns {
			_ = c.Close()
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
}
