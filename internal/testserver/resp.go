package testserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// errProtocol is matched by the error for a reply this client cannot parse.
var errProtocol = errors.New("testserver: protocol error")

// respError is an error reply of a Redis server (RESP2 "-ERR ...").
type respError string

func (e respError) Error() string { return "redis: " + string(e) }

// respConn is a minimal RESP2 client: enough to ping a server and set up a
// cluster. Deadlines are the caller's business (net.Conn.SetDeadline).
type respConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func newRESPConn(conn net.Conn) *respConn {
	return &respConn{conn: conn, r: bufio.NewReader(conn)}
}

// do sends one command and reads its reply: a string (simple or bulk), an
// int64, nil (null bulk or array), or an []any of those. An error reply is
// returned as a respError.
func (c *respConn) do(args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c.conn, b.String()); err != nil {
		return nil, err
	}
	reply, err := c.read()
	if err != nil {
		return nil, err
	}
	if e, ok := reply.(respError); ok {
		return nil, fmt.Errorf("%s: %w", args[0], e)
	}
	return reply, nil
}

// doString is do for a command whose reply is a string.
func (c *respConn) doString(args ...string) (string, error) {
	reply, err := c.do(args...)
	if err != nil {
		return "", err
	}
	s, ok := reply.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s replied %T, want a string", errProtocol, args[0], reply)
	}
	return s, nil
}

// read parses one reply.
func (c *respConn) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: bad line %q", errProtocol, line)
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return body, nil
	case '-':
		return respError(body), nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad integer %q", errProtocol, body)
		}
		return n, nil
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return nil, fmt.Errorf("%w: bad bulk length %q", errProtocol, body)
		}
		if n == -1 {
			return nil, nil
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, data); err != nil {
			return nil, err
		}
		return string(data[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return nil, fmt.Errorf("%w: bad array length %q", errProtocol, body)
		}
		if n == -1 {
			return nil, nil
		}
		items := make([]any, n)
		for i := range items {
			if items[i], err = c.read(); err != nil {
				return nil, err
			}
		}
		return items, nil
	}
	return nil, fmt.Errorf("%w: unknown reply type %q", errProtocol, kind)
}

// pingRedis is the readiness probe of a Redis server.
func pingRedis(conn net.Conn) error {
	pong, err := newRESPConn(conn).doString("PING")
	if err != nil {
		return err
	}
	if pong != "PONG" {
		return fmt.Errorf("%w: PING replied %q", errProtocol, pong)
	}
	return nil
}
