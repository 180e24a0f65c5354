package testserver

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// redisDo sends one command to the Redis server (or sentinel) at addr and
// returns its reply, failing t on any error.
func redisDo(t *testing.T, addr string, args ...string) any {
	t.Helper()
	return redisDoAll(t, addr, args)[0]
}

// redisDoAll sends commands one after the other on one connection to the
// Redis server at addr and returns their replies, failing t on any error.
func redisDoAll(t *testing.T, addr string, cmds ...[]string) []any {
	t.Helper()
	replies := make([]any, len(cmds))
	err := withRedis(addr, time.Now().Add(5*time.Second), func(c *respConn) error {
		for i, args := range cmds {
			var err error
			if replies[i], err = c.do(args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s %v: %v", addr, cmds, err)
	}
	return replies
}

// setReplicated writes key on the master at addr and waits until its
// replica has it: WAIT counts the replicas that have the connection's own
// writes, so both go on one connection.
func setReplicated(t *testing.T, addr, key, val string) {
	t.Helper()
	replies := redisDoAll(t, addr, []string{"SET", key, val}, []string{"WAIT", "1", "5000"})
	if replies[0] != "OK" || replies[1] != int64(1) {
		t.Fatalf("SET and WAIT for the replica: %v, want OK and 1", replies)
	}
}

func TestRedisSentinelIsSharedAndNamesItsMaster(t *testing.T) {
	start := time.Now()
	s := RedisSentinel(t)
	t.Logf("Sentinel deployment ready in %v", time.Since(start))
	if again := RedisSentinel(t); again != s {
		t.Fatal("a second RedisSentinel call started another deployment")
	}
	if s.MasterSet() != SentinelMasterSet || len(s.Sentinels()) != sentinelCount {
		t.Fatalf("master set %q, sentinels %v", s.MasterSet(), s.Sentinels())
	}
	for _, sn := range s.Sentinels() {
		if got, err := sentinelMasterAddr(sn); err != nil || got != s.Master() {
			t.Errorf("sentinel %s names the master %q (%v), want %s", sn, got, err, s.Master())
		}
	}
	if !roleIs(s.Master(), "master") || !roleIs(s.Replica(), "slave") {
		t.Errorf("ROLE of the master %s or of the replica %s is wrong", s.Master(), s.Replica())
	}
	// A write to the master reaches the replica.
	key := t.Name()
	setReplicated(t, s.Master(), key, "v")
	if got := redisDo(t, s.Replica(), "GET", key); got != "v" {
		t.Errorf("GET on the replica: %v, want v", got)
	}
}

func TestSentinelFailsOverAKilledMaster(t *testing.T) {
	start := time.Now()
	s := StartRedisSentinel(t)
	t.Logf("Sentinel deployment ready in %v", time.Since(start))
	if s == RedisSentinel(t) {
		t.Fatal("StartRedisSentinel returned the shared deployment")
	}
	master, replica := s.Master(), s.Replica()
	setReplicated(t, master, "k", "v")

	killed := time.Now()
	s.KillMaster(t)
	if !dialFails(master) {
		t.Fatalf("the master %s still accepts connections after KillMaster", master)
	}
	s.KillMaster(t) // a killed master: nothing happens
	f := s.AwaitFailover(t)
	t.Logf("replica promoted %v after the kill, announced by every sentinel %v after",
		f.Promoted.Sub(killed).Round(time.Millisecond), f.Announced.Sub(killed).Round(time.Millisecond))
	if f.Master != replica || s.Master() != replica || s.Replica() != master {
		t.Fatalf("new master %s (Master() %s, Replica() %s); want the replica %s", f.Master, s.Master(), s.Replica(), replica)
	}
	if f.Promoted.Before(killed) || f.Announced.Before(killed) {
		t.Errorf("failover seen before the kill: %+v", f)
	}
	if got := redisDo(t, f.Master, "GET", "k"); got != "v" {
		t.Errorf("GET of a replicated key on the new master: %v, want v", got)
	}
	if got := redisDo(t, f.Master, "SET", "k", "w"); got != "OK" {
		t.Errorf("SET on the new master: %v", got)
	}
}

func TestSentinelReplicaAcksOnlyWhenAReplicaAppliesTheWrite(t *testing.T) {
	s := StartRedisSentinel(t)
	if !replicaAcks(s.Master()) {
		t.Errorf("replicaAcks of the master %s of a ready deployment: false", s.Master())
	}
	// A master without a replica: WAIT counts none.
	if replicaAcks(Redis(t)) {
		t.Error("replicaAcks of a standalone server: true")
	}
}

func TestSentinelIsStoppedWhenItsTestEnds(t *testing.T) {
	var (
		addrs []string
		dir   string
	)
	t.Run("own", func(t *testing.T) {
		s := StartRedisSentinel(t)
		addrs = append(s.Sentinels(), s.Master(), s.Replica())
		dir = s.dir
	})
	for _, addr := range addrs {
		if !dialFails(addr) {
			t.Errorf("%s still accepts connections after its test ended", addr)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory %s left behind: %v", dir, err)
	}
}

func TestSentinelWithoutItsBinaryFailsWithInstallCommand(t *testing.T) {
	redisServer, err := lookPath("redis-server", "redis-server")
	if err != nil {
		t.Fatal(err)
	}
	// A PATH with redis-server but not redis-sentinel, then with neither.
	onlyServer := t.TempDir()
	if err := os.Symlink(redisServer, filepath.Join(onlyServer, "redis-server")); err != nil {
		t.Fatal(err)
	}
	for path, hint := range map[string]string{
		onlyServer:  "apt-get install redis-sentinel",
		t.TempDir(): "apt-get install redis-server",
	} {
		t.Setenv("PATH", path)
		var g group
		_, err := startSentinel(&g, false)
		if !errors.Is(err, errNotInstalled) || !strings.Contains(err.Error(), hint) {
			t.Errorf("start with PATH=%s: %v; want %v naming %q", path, err, errNotInstalled, hint)
		}
		if err := g.stop(); err != nil {
			t.Error(err)
		}
	}
}

func TestSentinelReadyNoticesAFailoverDuringTheStart(t *testing.T) {
	s := StartRedisSentinel(t)
	master, sn := s.Master(), s.Sentinels()[0]
	if ok, err := sentinelReady(sn, master); !ok || err != nil {
		t.Fatalf("a ready deployment: %v, %v", ok, err)
	}
	// A failover nobody asked for, as a master silent for
	// down-after-milliseconds on a loaded machine would get.
	if got := redisDo(t, sn, "SENTINEL", "FAILOVER", SentinelMasterSet); got != "OK" {
		t.Fatalf("SENTINEL FAILOVER: %v", got)
	}
	deadline := time.Now().Add(failoverTimeout)
	for {
		_, err := sentinelReady(sn, master)
		if errors.Is(err, errFailedOver) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sentinelReady after a failover: %v, want %v", err, errFailedOver)
		}
		time.Sleep(sentinelPoll)
	}
}
