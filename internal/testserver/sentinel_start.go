package testserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// This file starts the processes of a Sentinel deployment and waits until
// it is ready.

// sentinelDebug are the internal periods of Sentinel that the harness
// shortens (SENTINEL DEBUG, Redis 7.0 and later; older sentinels keep
// their defaults and are only slower): sentinels announce themselves
// (and a new master) on the master's Pub/Sub every 200 ms rather than
// every 2 s, so that they find each other and learn of a failover
// sooner, and ask each other whether the master is down every 100 ms
// rather than every second. The ping period is left alone: a sentinel
// only promotes a replica whose INFO is fresher than five ping periods,
// and sends INFO once a second during a failover.
var sentinelDebug = []string{"publish-period", "200", "ask-period", "100"}

// errFailedOver is matched by the error of a start whose sentinels failed
// the master over before the deployment was ready: a live master that did
// not answer for down-after-milliseconds on a loaded machine. The start is
// made again, from scratch.
var errFailedOver = errors.New("the sentinels failed the master over during the start")

// startAttempts bounds the starts of a deployment that fails over by
// itself (errFailedOver).
const startAttempts = 3

// startSentinel starts a deployment in g, shared by the test binary or of a
// test's own, and waits until it is ready (see StartRedisSentinel). A port
// taken meanwhile by someone else is retried on others, and a deployment
// that failed over by itself is started again.
func startSentinel(g *group, shared bool) (*Sentinel, error) {
	redisBin, err := lookPath("redis-server", "redis-server")
	if err != nil {
		return nil, err
	}
	sentinelBin, err := lookPath("redis-sentinel", "redis-sentinel")
	if err != nil {
		return nil, err
	}
	var s *Sentinel
	for range startAttempts {
		s, err = startSentinelOnce(g, shared, redisBin, sentinelBin)
		if !errors.Is(err, errFailedOver) {
			break
		}
	}
	return s, err
}

// startSentinelOnce makes one start of startSentinel.
func startSentinelOnce(g *group, shared bool, redisBin, sentinelBin string) (*Sentinel, error) {
	return retryPorts(func() (*Sentinel, error) {
		ports, err := freePorts(2 + sentinelCount)
		if err != nil {
			return nil, err
		}
		dir, err := g.mkdirTemp("sentinel")
		if err != nil {
			return nil, err
		}
		s := &Sentinel{shared: shared, dir: dir}
		downAfter := ownDownAfter
		if shared {
			downAfter = sharedDownAfter
		}
		if err := s.start(g, redisBin, sentinelBin, ports, downAfter); err != nil {
			g.discard(dir, s.procs...)
			return nil, err
		}
		return s, nil
	})
}

// start runs the processes of s on ports (master, replica, then the
// sentinels) and waits until the deployment is ready.
func (s *Sentinel) start(g *group, redisBin, sentinelBin string, ports []int, downAfter time.Duration) error {
	run := func(log, bin string, args []string) (*process, error) {
		p, err := g.start(command{dir: s.dir, log: log, path: bin, args: args})
		if err == nil {
			s.procs = append(s.procs, p)
		}
		return p, err
	}
	// A replica syncs by a full copy from the master, which Redis puts
	// off by 5 s (repl-diskless-sync-delay) to serve several replicas
	// with one: there is one here, and it becomes a master whose
	// replica (the killed master) never comes back.
	noDelay := []string{"--repl-diskless-sync-delay", "0"}
	master, replica := addrOf(ports[0]), addrOf(ports[1])
	for i, args := range [][]string{
		append(redisArgs(ports[0], s.dir), noDelay...),
		append(append(redisArgs(ports[1], s.dir), noDelay...), "--replicaof", "127.0.0.1", strconv.Itoa(ports[0])),
	} {
		p, err := run(fmt.Sprintf("redis-%d.log", ports[i]), redisBin, args)
		if err != nil {
			return err
		}
		s.servers[i] = sentinelServer{addr: addrOf(ports[i]), proc: p}
	}
	for _, srv := range s.servers {
		if err := srv.proc.waitReady(srv.addr, pingRedis); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(sentinelReadyTimeout)
	// The sentinels pick the replica to promote among those they know,
	// and know the replicas from the master's INFO: let it have one, which
	// takes the master's writes as they come (see replicaAcks).
	err := s.poll(deadline, s.procs, func() (bool, error) {
		return infoHas(replica, "replication", "master_link_status:up") && replicaAcks(master), nil
	})
	if err != nil {
		return fmt.Errorf("testserver: replica %s did not sync with master %s, or does not acknowledge its writes: %w", replica, master, err)
	}

	for _, port := range ports[2:] {
		conf := filepath.Join(s.dir, fmt.Sprintf("sentinel-%d.conf", port))
		if err := os.WriteFile(conf, sentinelConf(port, s.dir, master, downAfter), 0o600); err != nil {
			return fmt.Errorf("testserver: %w", err)
		}
		p, err := run(fmt.Sprintf("sentinel-%d.log", port), sentinelBin, []string{conf})
		if err != nil {
			return err
		}
		s.sentinels = append(s.sentinels, addrOf(port))
		if err := p.waitReady(addrOf(port), pingRedis); err != nil {
			return err
		}
		if err := sentinelSpeedUp(addrOf(port)); err != nil {
			return err
		}
	}
	err = s.poll(deadline, s.procs, func() (bool, error) {
		for _, sn := range s.sentinels {
			if ok, err := sentinelReady(sn, master); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("testserver: sentinels not ready: %w\n%s", err, s.logs())
	}
	return nil
}

// sentinelConf is the configuration file of the sentinel on port, which
// monitors master. A sentinel rewrites its file with what it learns (the
// other sentinels, the replicas, a new master), so each has its own.
func sentinelConf(port int, dir, master string, downAfter time.Duration) []byte {
	host, mport, _ := net.SplitHostPort(master)
	var b strings.Builder
	for _, line := range []string{
		"port " + strconv.Itoa(port),
		"bind 127.0.0.1",
		"daemonize no",
		"dir " + dir,
		// Warnings include every event of a failover (+sdown, +odown,
		// +switch-master...), which the errors quote.
		"loglevel warning",
		fmt.Sprintf("sentinel monitor %s %s %s %d", SentinelMasterSet, host, mport, sentinelQuorum),
		fmt.Sprintf("sentinel down-after-milliseconds %s %d", SentinelMasterSet, downAfter.Milliseconds()),
		fmt.Sprintf("sentinel failover-timeout %s %d", SentinelMasterSet, sentinelFailoverTimeout.Milliseconds()),
		fmt.Sprintf("sentinel parallel-syncs %s 1", SentinelMasterSet),
	} {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// sentinelSpeedUp shortens the periods of sentinelDebug on the sentinel at
// addr. A sentinel older than Redis 7.0 answers with an error, which is
// not one: it keeps its defaults and is only slower to start and to fail
// over.
func sentinelSpeedUp(addr string) error {
	return withRedis(addr, time.Now().Add(readyTimeout), func(c *respConn) error {
		_, err := c.do(append([]string{"SENTINEL", "DEBUG"}, sentinelDebug...)...)
		var re respError
		if errors.As(err, &re) {
			return nil
		}
		return err
	})
}

// sentinelReady reports whether the sentinel at addr sees master as a
// master that is up, with one replica, and knows the other sentinels.
func sentinelReady(addr, master string) (bool, error) {
	var fields map[string]string
	err := withRedis(addr, time.Now().Add(time.Second), func(c *respConn) error {
		reply, err := c.do("SENTINEL", "MASTER", SentinelMasterSet)
		if err != nil {
			return err
		}
		fields = pairs(reply)
		return nil
	})
	if err != nil {
		// Not answering yet is not a failure: the deadline is.
		return false, nil
	}
	if fields["ip"] != "" && net.JoinHostPort(fields["ip"], fields["port"]) != master {
		return false, fmt.Errorf("%w: sentinel %s names %s:%s", errFailedOver, addr, fields["ip"], fields["port"])
	}
	return net.JoinHostPort(fields["ip"], fields["port"]) == master &&
		fields["flags"] == "master" &&
		fields["num-slaves"] == "1" &&
		fields["num-other-sentinels"] == strconv.Itoa(sentinelCount-1), nil
}

// pairs reads a reply made of alternate field names and values (SENTINEL
// MASTER's, in RESP2) as a map.
func pairs(reply any) map[string]string {
	m := map[string]string{}
	items, _ := reply.([]any)
	for i := 0; i+1 < len(items); i += 2 {
		k, _ := items[i].(string)
		v, _ := items[i+1].(string)
		m[k] = v
	}
	return m
}

// replicaAckWait is how long replicaAcks waits for the replica's
// acknowledgement of a write: a replica acknowledges what it has applied
// once a second, and at once when the master asks, which WAIT makes it do.
const replicaAckWait = time.Second

// replicaAcks reports whether the replica of the master at addr has
// applied a write made on the master now, within replicaAckWait. WAIT
// counts the replicas that acknowledged the connection's own writes; the
// write is a PUBLISH, which Redis sends to its replicas like any write and
// which leaves no key behind.
//
// A replica's "master_link_status:up" is not enough. After a diskless full
// sync (Redis 7's default) the replica reports its link up once it has
// loaded the master's data, but the master sends it no later write until
// the replica acknowledges the transfer, and ignores an acknowledgement
// that comes before it has itself noticed the end of the transfer (at a
// tick of its clock, every 100 ms). The replica sends the next one a
// second later: until then the master keeps every write for the replica,
// and a master killed meanwhile takes them all with it, even writes it
// acknowledged a second before. On a loaded machine that happened in
// about one start in three, and a test that killed the master a second
// after the start found none of the keys written to the master on the
// promoted replica.
func replicaAcks(addr string) bool {
	var acked any
	err := withRedis(addr, time.Now().Add(replicaAckWait+time.Second), func(c *respConn) error {
		if _, err := c.do("PUBLISH", "testserver:replicated", "ready"); err != nil {
			return err
		}
		var err error
		acked, err = c.do("WAIT", "1", strconv.FormatInt(replicaAckWait.Milliseconds(), 10))
		return err
	})
	return err == nil && acked == int64(1)
}

// infoHas reports whether section of the INFO of the server at addr has
// line.
func infoHas(addr, section, line string) bool {
	var info string
	err := withRedis(addr, time.Now().Add(time.Second), func(c *respConn) error {
		var err error
		info, err = c.doString("INFO", section)
		return err
	})
	return err == nil && hasFields(info, []string{line})
}

// poll calls done every sentinelPoll until it reports true or an error,
// one of procs exits, or deadline passes.
func (s *Sentinel) poll(deadline time.Time, procs []*process, done func() (bool, error)) error {
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		if !time.Now().Before(deadline) {
			return errors.New("timed out")
		}
		timer := time.NewTimer(sentinelPoll)
		for _, p := range procs {
			select {
			case <-p.done:
				timer.Stop()
				return p.exitError()
			default:
			}
		}
		<-timer.C
	}
}

// logs returns the end of each sentinel's log, for an error.
func (s *Sentinel) logs() string {
	var b strings.Builder
	for _, p := range s.procs {
		if p.name == "redis-sentinel" {
			fmt.Fprintf(&b, "%s:\n%s\n", filepath.Base(p.logPath), p.output())
		}
	}
	return b.String()
}
