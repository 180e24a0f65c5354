package testserver

import (
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy forwards a new local port to the server at addr, so that a test can
// make the server die for its own clients without stopping it for the
// others: after kill, every forwarded connection is closed and the port
// refuses new ones. kill is idempotent, waits for the proxy's goroutines,
// and also runs when tb ends.
func Proxy(tb testing.TB, addr string) (proxyAddr string, kill func()) {
	tb.Helper()
	return ProxyWith(tb, addr, ProxyOptions{})
}

// ProxyOptions are the faults a proxy injects.
type ProxyOptions struct {
	// Delay holds every chunk of the server's replies this long before
	// forwarding it: a slow server, or a slow network.
	Delay time.Duration
	// ResetRate is the probability, from 0 to 1, that a chunk read from
	// either side (a request or a reply, or part of one) is dropped and
	// both connections are reset (RST, not FIN) instead of forwarding it:
	// a network that breaks connections, sometimes before a request
	// reached the server, sometimes after it ran but before its reply
	// came back. 0 resets nothing.
	ResetRate float64
	// OnReset, if set, is called (on the proxy's goroutine) after each
	// reset, so that a test can count them.
	OnReset func()
}

// ProxyWith is Proxy with the faults of opts.
func ProxyWith(tb testing.TB, addr string, opts ProxyOptions) (proxyAddr string, kill func()) {
	tb.Helper()
	proxyAddr, _, kill = ProxyWithDrop(tb, addr, opts)
	return proxyAddr, kill
}

// ProxyWithDrop is ProxyWith, and also returns drop, which closes every
// connection forwarded so far, a reply it holds (ProxyOptions.Delay)
// included, while the proxy goes on accepting new ones: what a server
// restart, or a proxy or firewall closing idle connections, does to a
// client's pooled connections.
func ProxyWithDrop(tb testing.TB, addr string, opts ProxyOptions) (proxyAddr string, drop, kill func()) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testserver: proxy listen: %v", err)
	}
	p := &proxy{ln: ln, target: addr, opts: opts, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.kill)
	return ln.Addr().String(), p.drop, p.kill
}

type proxy struct {
	ln     net.Listener
	target string
	opts   ProxyOptions
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
		go p.pipe(c, up, p.opts.Delay)
		go p.pipe(up, c, 0)
	}
}

// reset drops both connections with RST: SO_LINGER 0, then close.
func (p *proxy) reset(conns ...net.Conn) {
	for _, c := range conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
	}
	if p.opts.OnReset != nil {
		p.opts.OnReset()
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

// pipe copies from src to dst until either side closes, then closes both,
// holding each chunk for delay first, and resetting both instead of
// forwarding a chunk at the rate of ProxyOptions.ResetRate.
func (p *proxy) pipe(dst, src net.Conn, delay time.Duration) {
	defer p.wg.Done()
	defer src.Close()
	defer dst.Close()
	if delay == 0 && p.opts.ResetRate == 0 {
		_, _ = io.Copy(dst, src) // ends when either side closes or resets
		return
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if p.opts.ResetRate > 0 && rand.Float64() < p.opts.ResetRate {
				p.reset(src, dst)
				return
			}
			if delay > 0 {
				time.Sleep(delay)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// drop closes the connections forwarded so far; the proxy goes on.
func (p *proxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
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
