package testserver

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
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
	// Hold, if set, holds the replies to the requests that Hold.Start
	// names, sent while it is on, until it ends (Hold.End): a reply that a
	// drop between the two must lose, however late the test gets to drop,
	// where Delay would forward it once its time is up.
	Hold *Hold
}

// Hold holds some of a proxy's replies between Start and End (see
// ProxyOptions.Hold). Its zero value is off.
type Hold struct {
	mu       sync.Mutex
	end      chan struct{} // closed by End; nil while off
	requests []string
}

// Start holds, until End, the replies to requests sent from now on that
// start with one of requests (e.g. "incr ", "cas "; every request if none
// is given).
func (h *Hold) Start(requests ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.end == nil {
		h.end = make(chan struct{})
	}
	h.requests = requests
}

// End forwards the held replies, on the connections still open, and
// holds no more.
func (h *Hold) End() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.end != nil {
		close(h.end)
		h.end = nil
	}
}

// holds returns what the reply to req waits for: the end of the hold, or
// nil if it is not held.
func (h *Hold) holds(req []byte) chan struct{} {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.end == nil {
		return nil
	}
	if len(h.requests) == 0 {
		return h.end
	}
	for _, r := range h.requests {
		if bytes.HasPrefix(req, []byte(r)) {
			return h.end
		}
	}
	return nil
}

// held is what the reply on a connection waits for, if a Hold holds it.
type held struct{ end atomic.Pointer[chan struct{}] }

// request notes that the request req goes to the server.
func (l *held) request(hold *Hold, req []byte) {
	if end := hold.holds(req); end != nil {
		l.end.Store(&end)
	}
}

// reply returns once the reply that comes may go to the client.
func (l *held) reply() {
	if end := l.end.Swap(nil); end != nil {
		<-*end
	}
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
		l := new(held)
		go p.pipe(c, up, p.opts.Delay, func([]byte) { l.reply() })
		go p.pipe(up, c, 0, func(req []byte) { l.request(p.opts.Hold, req) })
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
// holding each chunk for delay and passing it to each first (which may
// hold it too: see Hold), and resetting both instead of forwarding a chunk
// at the rate of ProxyOptions.ResetRate.
func (p *proxy) pipe(dst, src net.Conn, delay time.Duration, each func([]byte)) {
	defer p.wg.Done()
	defer src.Close()
	defer dst.Close()
	if delay == 0 && p.opts.Hold == nil && p.opts.ResetRate == 0 {
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
			each(buf[:n])
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
	if p.opts.Hold != nil {
		p.opts.Hold.End() // a held reply's pipe would wait for it
	}
	p.wg.Wait()
}
