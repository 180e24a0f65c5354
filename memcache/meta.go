package memcache

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	gm "github.com/bradfitz/gomemcache/memcache"
)

// memcached tells how long an entry has left only through its meta
// protocol (memcached 1.6 and later): "mg <key> t" answers the remaining
// seconds, -1 for none. gomemcache sends none of the meta commands, and no
// classic command reads an expiry: touch and gat set one, and only incr
// and decr keep one while changing a value, which Increment cannot use
// for every value (a decr that shortens a number pads it with spaces, and
// none goes below zero). So that Increment keeps the expiry of any entry,
// whoever wrote it, the store reads entries it rewrites with mg, on
// connections of its own (metaConns) to the server the client picks for
// the key.

// metaConns are the store's own connections to the servers of its client,
// for the meta get. Idle ones are kept, as many per server as the client
// keeps.
type metaConns struct {
	client *gm.Client
	// sel is the client's ServerSelector; nil if it could not be found,
	// and then the store reads with gomemcache (see selectorOf).
	sel gm.ServerSelector

	// unsupported is set once a server answered mg with an error (a
	// memcached before 1.6, or a proxy that speaks only the classic
	// protocol): the store then reads with gomemcache.
	unsupported atomic.Bool

	mu     sync.Mutex // guards idle and closed
	idle   map[string][]*metaConn
	closed bool
}

// metaConn is one connection of metaConns.
type metaConn struct {
	nc   net.Conn
	rw   *bufio.ReadWriter
	addr string
}

// newMetaConns returns the meta connections of client's servers; none are
// dialled yet.
func newMetaConns(client *gm.Client) *metaConns {
	return &metaConns{client: client, sel: selectorOf(client), idle: map[string][]*metaConn{}}
}

// selectorOf returns the ServerSelector that client picks a key's server
// with, or nil. gomemcache keeps it in an unexported field, set when the
// client is made and never changed, and offers no accessor; the store
// reads it so that its meta get goes to the server that holds the key for
// the client (gm.New's ServerList or the selector of gm.NewFromSelector).
// A gomemcache without that field gives nil, and Increment then keeps only
// the expiries the store recorded itself (see keptExpiry); the package's
// tests check that it is found.
func selectorOf(client *gm.Client) gm.ServerSelector {
	f := reflect.ValueOf(client).Elem().FieldByName("selector")
	if !f.IsValid() || f.Type() != reflect.TypeFor[gm.ServerSelector]() {
		return nil
	}
	return *(*gm.ServerSelector)(unsafe.Pointer(f.UnsafeAddr()))
}

var (
	// errMetaReply is a reply to a meta get that the store cannot read.
	errMetaReply = errors.New("memcache: unexpected reply to mg")
	// errNoMeta is a server's refusal of the meta get: it does not know
	// the command.
	errNoMeta = errors.New("memcache: the server does not take mg")
)

// usable reports whether the store reads with the meta get: it found the
// client's selector, and no server refused the command.
func (m *metaConns) usable() bool {
	return m != nil && m.sel != nil && !m.unsupported.Load()
}

// timeout is the client's network timeout, which bounds each read and
// write of a meta connection as it does gomemcache's.
func (m *metaConns) timeout() time.Duration {
	if m.client.Timeout > 0 {
		return m.client.Timeout
	}
	return gm.DefaultTimeout
}

// maxIdle is how many idle connections are kept per server: as many as
// the client keeps.
func (m *metaConns) maxIdle() int {
	if m.client.MaxIdleConns > 0 {
		return m.client.MaxIdleConns
	}
	return gm.DefaultMaxIdleConns
}

// conn returns an idle connection to addr, or a new one.
func (m *metaConns) conn(addr net.Addr) (*metaConn, error) {
	key := addr.String()
	m.mu.Lock()
	if free := m.idle[key]; len(free) > 0 {
		c := free[len(free)-1]
		m.idle[key] = free[:len(free)-1]
		m.mu.Unlock()
		return c, nil
	}
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout())
	defer cancel()
	dial := m.client.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: m.timeout()}).DialContext
	}
	nc, err := dial(ctx, addr.Network(), key)
	if err != nil {
		return nil, err
	}
	return &metaConn{nc: nc, rw: bufio.NewReadWriter(bufio.NewReader(nc), bufio.NewWriter(nc)), addr: key}, nil
}

// put keeps c for later, or closes it if enough are idle or m is closed.
func (m *metaConns) put(c *metaConn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || len(m.idle[c.addr]) >= m.maxIdle() {
		_ = c.nc.Close()
		return
	}
	m.idle[c.addr] = append(m.idle[c.addr], c)
}

// dropAll closes the idle connections (after one dropped, as the store
// does with the client's).
func (m *metaConns) dropAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for addr, free := range m.idle {
		for _, c := range free {
			_ = c.nc.Close()
		}
		delete(m.idle, addr)
	}
}

// close closes the idle connections and those put back later.
func (m *metaConns) close() {
	m.dropAll()
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
}

// readItem reads the memcached key mkey, with the entry's remaining time
// if withTTL is set and the store can send memcached's meta get (ttl:
// seconds left, -1 for none; known == true), else with gomemcache's gets
// (known == false). A miss is gomemcache's ErrCacheMiss. A meta get whose
// connection drops before the reply is sent again once; one that the
// server refuses makes the store read with gets from then on.
func (s *Store) readItem(ctx context.Context, mkey string, withTTL bool) (it *gm.Item, ttl int64, known bool, err error) {
	if withTTL && s.meta.usable() {
		it, ttl, err = s.meta.get(mkey)
		if err != nil && isDrop(err) {
			s.meta.dropAll()
			if s.again(ctx, err) {
				it, ttl, err = s.meta.get(mkey)
			}
		}
		if !errors.Is(err, errNoMeta) {
			return it, ttl, err == nil, err
		}
		s.meta.unsupported.Store(true)
	}
	it, err = s.get(ctx, mkey)
	return it, 0, false, err
}

// get sends "mg <mkey> v f c t" to the server of mkey and returns its item
// and seconds left.
func (m *metaConns) get(mkey string) (it *gm.Item, ttl int64, err error) {
	if !legalKey(mkey) {
		return nil, 0, gm.ErrMalformedKey
	}
	addr, err := m.sel.PickServer(mkey)
	if err != nil {
		return nil, 0, err
	}
	c, err := m.conn(addr)
	if err != nil {
		return nil, 0, err
	}
	it, ttl, err = c.get(mkey, m.timeout())
	if err != nil && !errors.Is(err, gm.ErrCacheMiss) {
		_ = c.nc.Close()
		return nil, 0, err
	}
	m.put(c)
	return it, ttl, err
}

// get sends one meta get of mkey on c and reads its reply: "EN" for a
// miss, or "VA <size> v f<flags> c<cas> t<ttl>" and the value.
func (c *metaConn) get(mkey string, timeout time.Duration) (*gm.Item, int64, error) {
	if err := c.nc.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, 0, err
	}
	if _, err := fmt.Fprintf(c.rw, "mg %s v f c t\r\n", mkey); err != nil {
		return nil, 0, err
	}
	if err := c.rw.Flush(); err != nil {
		return nil, 0, err
	}
	line, err := c.rw.ReadSlice('\n')
	if err != nil {
		return nil, 0, err
	}
	if bytes.Equal(line, []byte("EN\r\n")) {
		return nil, 0, gm.ErrCacheMiss
	}
	if bytes.HasPrefix(line, []byte("ERROR")) || bytes.HasPrefix(line, []byte("CLIENT_ERROR")) {
		return nil, 0, fmt.Errorf("%w: %q", errNoMeta, line)
	}
	fields := bytes.Fields(line)
	if len(fields) < 2 || string(fields[0]) != "VA" {
		return nil, 0, fmt.Errorf("%w: %q", errMetaReply, line)
	}
	size, err := strconv.Atoi(string(fields[1]))
	if err != nil || size < 0 {
		return nil, 0, fmt.Errorf("%w: %q", errMetaReply, line)
	}
	it := &gm.Item{Key: mkey}
	var ttl int64
	seen := 0
	for _, f := range fields[2:] {
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case 'f':
			n, err := strconv.ParseUint(string(f[1:]), 10, 32)
			if err != nil {
				return nil, 0, fmt.Errorf("%w: %q", errMetaReply, line)
			}
			it.Flags = uint32(n)
		case 'c':
			if it.CasID, err = strconv.ParseUint(string(f[1:]), 10, 64); err != nil {
				return nil, 0, fmt.Errorf("%w: %q", errMetaReply, line)
			}
		case 't':
			if ttl, err = strconv.ParseInt(string(f[1:]), 10, 64); err != nil {
				return nil, 0, fmt.Errorf("%w: %q", errMetaReply, line)
			}
		default:
			continue
		}
		seen++
	}
	if seen != 3 {
		return nil, 0, fmt.Errorf("%w: %q", errMetaReply, line)
	}
	it.Value = make([]byte, size+2)
	if _, err := io.ReadFull(c.rw, it.Value); err != nil {
		return nil, 0, err
	}
	if !bytes.HasSuffix(it.Value, []byte("\r\n")) {
		return nil, 0, fmt.Errorf("%w: value of %d bytes not followed by CRLF", errMetaReply, size)
	}
	it.Value = it.Value[:size]
	return it, ttl, nil
}
