package testserver

import (
	"fmt"
	"net"
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
// with the master and applies the master's writes as they come (it has
// acknowledged one), and every sentinel knows the master, the replica and
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
