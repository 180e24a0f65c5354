package testserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// SentinelMasterSet is the name under which the sentinels of every
	// deployment monitor its master: rueidis.SentinelOption.MasterSet.
	SentinelMasterSet = "cachekit"
	// sentinelCount is the number of sentinels of a deployment, and
	// sentinelQuorum how many of them must find the master down before
	// they fail it over. Three sentinels and a quorum of two is the
	// smallest deployment the Redis documentation recommends; it also
	// elects a leader by majority, as a real one does.
	sentinelCount  = 3
	sentinelQuorum = 2
	// ownDownAfter is the down-after-milliseconds of a deployment of a
	// test's own (StartRedisSentinel): how long the master must not
	// answer before a sentinel finds it down. A failover then takes
	// about 1.5–3 s. Half a second was seen to pass without an answer
	// from a live master on a machine loaded 7 times over (load average
	// 15 on two cores): the sentinels then fail over a master nobody
	// killed.
	ownDownAfter = time.Second
	// sharedDownAfter is that of the shared deployment (RedisSentinel),
	// which is never killed: long, so that it never fails over on a
	// loaded machine under the feet of the tests that share it.
	sharedDownAfter = 10 * time.Second
	// sentinelFailoverTimeout is the failover-timeout: how long a
	// failover may take before the sentinels give up on it, and half
	// the time they wait before they try again (after an election
	// without a majority, for example). Redis' default is 3 minutes.
	sentinelFailoverTimeout = 3 * time.Second
	// sentinelReadyTimeout bounds the wait for the sentinels to know the
	// master, its replica and each other. They discover each other
	// through the master's Pub/Sub; it takes a second or two.
	sentinelReadyTimeout = 20 * time.Second
	// failoverTimeout bounds AwaitFailover: a failover takes 1–3 s (a
	// failed leader election adds 2×sentinelFailoverTimeout), one that
	// does not end in this time never will.
	failoverTimeout = 30 * time.Second
	// sentinelPoll is how often the harness asks the servers how a
	// start or a failover is going.
	sentinelPoll = 10 * time.Millisecond
)

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

// Sentinel is a Redis Sentinel deployment: a master, one replica of it
// (replicaof) and three redis-sentinel processes that monitor it under
// the name SentinelMasterSet, each on a free port of 127.0.0.1, in a
// temporary directory, with no data on disk. A client finds the master by
// asking a sentinel (rueidis.ClientOption{InitAddress: Sentinels(),
// Sentinel: rueidis.SentinelOption{MasterSet: MasterSet()}}).
//
// A deployment of a test's own (StartRedisSentinel) has short failover
// timings (down-after-milliseconds 1000, failover-timeout 3000): the test
// may KillMaster, as a crash or an OOM kill would, and AwaitFailover, the
// sentinels promoting the replica in a second or two.
type Sentinel struct {
	sentinels []string
	shared    bool
	dir       string
	procs     []*process // every process, for stop
	// servers are the two redis-servers: started as master and replica.
	servers [2]sentinelServer

	mu     sync.Mutex // guards master
	master int        // index in servers of the master, as last known
}

// sentinelServer is one redis-server of a deployment.
type sentinelServer struct {
	addr string
	proc *process
}

var sharedSentinel lazy[*Sentinel]

// RedisSentinel returns a Sentinel deployment shared by the whole test
// binary, starting it on the first call. Its master is never killed (see
// KillMaster), and it never fails over by itself: its sentinels wait 10 s
// before they find a silent master down. It fails tb if the deployment
// cannot be started, for example when redis-sentinel is not installed.
func RedisSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	s, err := sharedSentinel.get(func() (*Sentinel, error) { return startSentinel(&servers, true) })
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// StartRedisSentinel starts a Sentinel deployment of tb's own, whose
// master tb may kill (KillMaster). It returns once the replica has synced
// with the master and every sentinel knows the master, the replica and
// the two other sentinels. It is stopped when tb ends, and by Main if the
// test binary ends first.
func StartRedisSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	s, err := startSentinel(&servers, false)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { servers.discard(s.dir, s.procs...) })
	return s
}

// MasterSet returns the name under which the sentinels monitor the master.
func (s *Sentinel) MasterSet() string { return SentinelMasterSet }

// Sentinels returns the addresses ("127.0.0.1:port") of the three
// sentinels. The returned slice is the caller's.
func (s *Sentinel) Sentinels() []string { return append([]string(nil), s.sentinels...) }

// Master returns the address of the master: the server started as master,
// or the replica once AwaitFailover has seen it promoted.
func (s *Sentinel) Master() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.servers[s.master].addr
}

// Replica returns the address of the server that is not Master: the
// replica, or after a failover the killed master's address.
func (s *Sentinel) Replica() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.servers[1-s.master].addr
}

// KillMaster ends the master with SIGKILL, at once, and waits until it has
// exited: its port then refuses connections and its clients' connections
// are gone. Writes it acknowledged but had not yet sent to the replica are
// lost (replication is asynchronous). The sentinels fail it over:
// AwaitFailover waits for that. The killed server is not restarted.
// Killing a killed master does nothing. KillMaster fails tb on the shared
// deployment of RedisSentinel, which other tests use.
func (s *Sentinel) KillMaster(tb testing.TB) {
	tb.Helper()
	if s.shared {
		tb.Fatal("testserver: KillMaster on the shared Sentinel deployment; start one of the test's own with StartRedisSentinel")
	}
	s.mu.Lock()
	p := s.servers[s.master].proc
	s.mu.Unlock()
	p.kill()
	<-p.done
}

// Failover is what AwaitFailover saw of a failover.
type Failover struct {
	// Master is the address of the new master: the former replica.
	Master string
	// Promoted is when the new master first answered ROLE as a master:
	// from then on it takes writes. Its data is what it had received from
	// the old master when that died.
	Promoted time.Time
	// Announced is when every sentinel first named the new master
	// (SENTINEL GET-MASTER-ADDR-BY-NAME): from then on every client that
	// asks finds it. The sentinels also announce it on their Pub/Sub
	// (+switch-master), which is how a connected client learns of it.
	Announced time.Time
}

// AwaitFailover waits, after KillMaster, until the replica has been
// promoted and every sentinel names it as the master, polling every 10 ms,
// and returns when it saw each. It fails tb if that takes more than 30 s
// (a failover takes 1–3 s), quoting the sentinels' logs.
func (s *Sentinel) AwaitFailover(tb testing.TB) Failover {
	tb.Helper()
	s.mu.Lock()
	old, replica := s.master, 1-s.master
	s.mu.Unlock()
	f := Failover{Master: s.servers[replica].addr}
	err := s.poll(time.Now().Add(failoverTimeout), []*process{s.servers[replica].proc}, func() (bool, error) {
		if f.Promoted.IsZero() && roleIs(f.Master, "master") {
			f.Promoted = time.Now()
		}
		if f.Announced.IsZero() && s.allName(f.Master) {
			f.Announced = time.Now()
		}
		return !f.Promoted.IsZero() && !f.Announced.IsZero(), nil
	})
	if err != nil {
		tb.Fatalf("testserver: no failover from %s to %s within %v (promoted: %v, announced: %v): %v\n%s",
			s.servers[old].addr, f.Master, failoverTimeout, !f.Promoted.IsZero(), !f.Announced.IsZero(), err, s.logs())
	}
	s.mu.Lock()
	s.master = replica
	s.mu.Unlock()
	return f
}

// roleIs reports whether the server at addr answers ROLE with role.
func roleIs(addr, role string) bool {
	var got string
	err := withRedis(addr, time.Now().Add(time.Second), func(c *respConn) error {
		reply, err := c.do("ROLE")
		if err != nil {
			return err
		}
		if r, ok := reply.([]any); ok && len(r) > 0 {
			got, _ = r[0].(string)
		}
		return nil
	})
	return err == nil && got == role
}

// allName reports whether every sentinel names addr as the master.
func (s *Sentinel) allName(addr string) bool {
	for _, sn := range s.sentinels {
		got, err := sentinelMasterAddr(sn)
		if err != nil || got != addr {
			return false
		}
	}
	return true
}

// sentinelMasterAddr asks the sentinel at addr for the master's address.
func sentinelMasterAddr(addr string) (string, error) {
	var master string
	err := withRedis(addr, time.Now().Add(time.Second), func(c *respConn) error {
		reply, err := c.do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelMasterSet)
		if err != nil {
			return err
		}
		hp, ok := reply.([]any)
		if !ok || len(hp) != 2 {
			return fmt.Errorf("%w: GET-MASTER-ADDR-BY-NAME replied %v", errProtocol, reply)
		}
		host, _ := hp[0].(string)
		port, _ := hp[1].(string)
		master = net.JoinHostPort(host, port)
		return nil
	})
	return master, err
}

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
	// and know the replicas from the master's INFO: let it have one.
	err := s.poll(deadline, s.procs, func() (bool, error) {
		return infoHas(replica, "replication", "master_link_status:up"), nil
	})
	if err != nil {
		return fmt.Errorf("testserver: replica %s did not sync with master %s: %w", replica, master, err)
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

// freePorts returns n distinct free ports.
func freePorts(n int) ([]int, error) {
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
		if !slices.Contains(ports, port) {
			ports = append(ports, port)
		}
	}
	if len(ports) == n {
		return ports, nil
	}
	return nil, fmt.Errorf("testserver: no %d distinct free ports found in %d attempts", n, attempts)
}
