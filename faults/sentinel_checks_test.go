package faults

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	rd "github.com/redis/rueidis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file holds what TestSentinelFailoverUnderLoad measures with: the
// canary of the machine's scheduling delay, the replica's copy of the
// keys, and the counts of lost writes and of stale reads.

// schedLag is a canary: a goroutine that sleeps a millisecond at a time
// and records how late it wakes up. The delay is time the process spent
// starved of CPU (a loaded machine) or paused (the garbage collector):
// every call that was waiting then returns that much later, whatever it
// waited for, and one that needs several wake-ups (a dial, then the
// reply) pays it each time.
type schedLag struct {
	quit, done chan struct{}
	once       sync.Once
	// Read only once done is closed.
	wakes []time.Time     // when the canary woke, in order
	lags  []time.Duration // how late: it was stalled during [wake-lag, wake]
}

// canaryNap is how long the canary sleeps.
const canaryNap = time.Millisecond

func startSchedLag() *schedLag {
	l := &schedLag{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			select {
			case <-l.quit:
				return
			default:
			}
			before := time.Now()
			time.Sleep(canaryNap)
			now := time.Now()
			l.wakes = append(l.wakes, now)
			l.lags = append(l.lags, max(0, now.Sub(before)-canaryNap))
		}
	}()
	return l
}

// stop ends the canary and waits for it; it may be called again.
func (l *schedLag) stop() {
	l.once.Do(func() { close(l.quit) })
	<-l.done
}

// stalledIn returns how much of the time from from to to the canary was
// stalled. Call it after stop.
func (l *schedLag) stalledIn(from, to time.Time) time.Duration {
	var d time.Duration
	for i := sort.Search(len(l.wakes), func(i int) bool { return l.wakes[i].After(from) }); i < len(l.wakes); i++ {
		stallFrom, stallTo := l.wakes[i].Add(-l.lags[i]), l.wakes[i]
		if !stallFrom.Before(to) {
			break
		}
		if stallFrom.Before(from) {
			stallFrom = from
		}
		if stallTo.After(to) {
			stallTo = to
		}
		d += stallTo.Sub(stallFrom)
	}
	return d
}

// max returns the canary's longest stall. Call it after stop.
func (l *schedLag) max() time.Duration {
	var m time.Duration
	for _, d := range l.lags {
		m = max(m, d)
	}
	return m
}

// replicaCopy reads, on the replica, after the master died, every key and
// counter of the load: what the new master starts from. It also tells
// whether each of lockKeys is there. The copy is good if the replica had
// not been promoted yet, or had been but had taken no write since (the
// clients learn of a promotion a second or so after it): it fails t
// otherwise.
func replicaCopy(ctx context.Context, t *testing.T, snap rd.Client, st *failoverState, lockKeys []string) (copied map[string]int64, held []bool) {
	keys := make([]string, 0, 2*loadGoroutines+len(lockKeys))
	for g := range loadGoroutines {
		keys = append(keys, st.caches[0].Key(st.keys[g]), st.caches[0].Key(st.counters[g]))
	}
	keys = append(keys, lockKeys...)
	// MULTI makes the copy and the replication state one atomic step.
	res := snap.DoMulti(ctx, snap.B().Multi().Build(), snap.B().Mget().Key(keys...).Build(),
		snap.B().Info().Section("replication").Build(), snap.B().Exec().Build())
	exec, err := res[3].ToArray()
	require.NoError(t, err, "MULTI MGET INFO EXEC on the replica")
	require.Len(t, exec, 2)
	vals, err := exec[0].ToArray()
	require.NoError(t, err)
	info, err := exec[1].ToString()
	require.NoError(t, err)
	require.True(t, untouchedReplica(info), "the replica took writes as a master before its copy of the keys was read:\n%s", info)

	// By the keys' names in the load (the cache's Key adds nothing
	// without a namespace, but need not).
	copied = map[string]int64{}
	for i := range keys[:2*loadGoroutines] {
		name := st.keys[i/2]
		if i%2 == 1 {
			name = st.counters[i/2]
		}
		s, err := vals[i].ToString()
		if rd.IsRedisNil(err) {
			continue
		}
		require.NoError(t, err, name)
		n, err := strconv.ParseInt(s, 10, 64)
		require.NoError(t, err, "%s on the replica: %q", name, s)
		if i%2 == 0 {
			n &= 1<<32 - 1 // a value: its sequence number
		}
		copied[name] = n
	}
	for i := range lockKeys {
		held = append(held, !vals[2*loadGoroutines+i].IsNil())
	}
	return copied, held
}

// untouchedReplica reports whether the INFO replication of a server is
// that of a replica, or of a promoted replica that has taken no write
// since its promotion: its replication offset is still the one it was
// promoted at (second_repl_offset is that offset + 1).
func untouchedReplica(info string) bool {
	fields := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	if fields["role"] == "slave" {
		return true
	}
	offset, err1 := strconv.ParseInt(fields["master_repl_offset"], 10, 64)
	promotedAt, err2 := strconv.ParseInt(fields["second_repl_offset"], 10, 64)
	return fields["role"] == "master" && err1 == nil && err2 == nil && offset+1 == promotedAt
}

// lostWrites counts the acknowledged writes that the failover lost.
type lostWrites struct {
	sets, ackedSets, incrs, ackedIncrs int
	ambiguous                          int // acknowledged writes that started before the death and ended after the promotion
}

// countLost counts the writes the old master acknowledged and the new one
// never had. A write that started before the old master died (deadAt) and
// was acknowledged was acknowledged by the old master (nothing else took
// writes then: the replica refuses them until its promotion, long after
// any such call returned, see ambiguous), and it is lost if it goes beyond
// the replica's copy taken after the death: a Set of a later sequence
// number, an Increment that returned more. Writes that started after the
// death were acknowledged by the new master.
func countLost(calls [][]fcall, copied map[string]int64, deadAt, promoted time.Time) lostWrites {
	var l lostWrites
	for _, cs := range calls {
		for _, cl := range cs {
			if cl.err != nil || cl.op == 'g' || !cl.start.Before(deadAt) {
				continue
			}
			if cl.end.After(promoted) {
				l.ambiguous++
			}
			switch cl.op {
			case 's':
				l.ackedSets++
				if cl.seq > copied[fmt.Sprintf("k%d", cl.key)] {
					l.sets++
				}
			case 'i':
				l.ackedIncrs++
				if cl.n > copied[fmt.Sprintf("n%d", cl.key)] {
					l.incrs++
				}
			}
		}
	}
	return l
}

// readCheck is what checkReads found.
type readCheck struct {
	checked, cross, crossFresh int
	stale, ghosts              int
}

// checkReads holds every Get that started after the promotion to what the
// new master holds for the key:
//
//   - The new master starts from the replica's copy (copied), and each
//     key only moves forward on it (one writer, in sequence). So a Get
//     must return at least the copy, and at least the last Set that the
//     new master acknowledged before the Get started (a Set that started
//     after the old master died). A Get through the other client, with a
//     near cache, may miss that Set for crossLag: the invalidation
//     crosses the network. A Get through the writer's own store, or
//     without a near cache, may not miss it at all. A Get that returns
//     less is stale.
//   - A Set that started before the old master died and went beyond the
//     copy reached the old master only. A Get that returns it after the
//     promotion serves what the failover lost (from a near cache that
//     survived the old master's connections): a ghost.
func checkReads(calls [][]fcall, copied map[string]int64, deadAt, promoted time.Time, near bool) readCheck {
	// Per key: the Sets acknowledged by the new master, and the last
	// sequence number sent before the old master died.
	type ack struct {
		seq int64
		end time.Time
	}
	acks := map[int][]ack{}
	lastOld := map[int]int64{}
	for _, cs := range calls {
		for _, cl := range cs {
			if cl.op != 's' {
				continue
			}
			switch {
			case cl.start.Before(deadAt):
				lastOld[cl.key] = max(lastOld[cl.key], cl.seq)
			case cl.err == nil:
				acks[cl.key] = append(acks[cl.key], ack{cl.seq, cl.end})
			}
		}
	}
	var r readCheck
	for _, cs := range calls {
		for _, cl := range cs {
			if cl.op != 'g' || cl.err != nil || cl.start.Before(promoted) {
				continue
			}
			r.checked++
			lag := time.Duration(0)
			if cl.cross {
				r.cross++
				if near {
					lag = crossLag
				}
			}
			floor := copied[fmt.Sprintf("k%d", cl.key)]
			fresh := false
			for _, a := range acks[cl.key] {
				if !a.end.Add(lag).After(cl.start) && a.seq > floor {
					floor, fresh = a.seq, true
				}
			}
			if fresh && cl.cross {
				r.crossFresh++
			}
			if !cl.found || cl.seq < floor {
				r.stale++
			}
			if cl.found && cl.seq > copied[fmt.Sprintf("k%d", cl.key)] && cl.seq <= lastOld[cl.key] {
				r.ghosts++
			}
		}
	}
	return r
}

// TestSentinelFailoverChecksCountWhatTheyShould runs countLost and checkReads on
// calls made up around a failover whose replica had sequence number 5 of
// key k0: they find the lost write, the stale read and the ghost, and
// nothing in the calls that are right.
func TestSentinelFailoverChecksCountWhatTheyShould(t *testing.T) {
	t0 := time.Now()
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	dead, promoted := ms(100), ms(1000)
	copied := map[string]int64{"k0": 5, "n0": 3}
	set := func(seq int64, start, end int, err error) fcall {
		return fcall{op: 's', key: 0, seq: seq, start: ms(start), end: ms(end), err: err}
	}
	get := func(seq int64, start int, cross bool) fcall {
		return fcall{op: 'g', key: 0, seq: seq, found: true, cross: cross, start: ms(start), end: ms(start + 1)}
	}
	calls := [][]fcall{{
		set(5, 90, 91, nil),                                 // replicated
		set(6, 95, 96, nil),                                 // acknowledged by the old master only: lost
		set(7, 98, 150, context.Canceled),                   // failed
		{op: 'i', key: 0, n: 4, start: ms(97), end: ms(98)}, // lost increment
		{op: 'i', key: 0, n: 3, start: ms(96), end: ms(97)}, // replicated
		set(8, 1100, 1101, nil),                             // on the new master
		get(8, 1102, false),                                 // fresh
		get(5, 1200, false),                                 // stale: the new master has 8
		get(5, 1200, true),                                  // within crossLag of the Set of 8: not stale with a near cache
		get(6, 1300, false),                                 // a lost write, and stale
		get(4, 1001, false),                                 // below the replica's copy: stale
	}}
	lost := countLost(calls, copied, dead, promoted)
	assert.Equal(t, lostWrites{sets: 1, ackedSets: 2, incrs: 1, ackedIncrs: 2}, lost)
	near := checkReads(calls, copied, dead, promoted, true)
	assert.Equal(t, readCheck{checked: 5, cross: 1, crossFresh: 0, stale: 3, ghosts: 1}, near)
	plain := checkReads(calls, copied, dead, promoted, false)
	assert.Equal(t, readCheck{checked: 5, cross: 1, crossFresh: 1, stale: 4, ghosts: 1}, plain)

	// Stalls of the canary count where they overlap a call's lateness.
	lag := &schedLag{
		wakes: []time.Time{ms(10), ms(500), ms(900), ms(1000)},
		lags:  []time.Duration{5 * time.Millisecond, 300 * time.Millisecond, 0, 50 * time.Millisecond},
	}
	assert.Equal(t, 300*time.Millisecond, lag.stalledIn(ms(100), ms(600)), "a stall within")
	assert.Equal(t, 100*time.Millisecond, lag.stalledIn(ms(100), ms(300)), "the start of a stall that goes on after")
	assert.Equal(t, 110*time.Millisecond, lag.stalledIn(ms(420), ms(980)), "the end of one stall (80ms) and the start of another (30ms)")
	assert.Equal(t, time.Duration(0), lag.stalledIn(ms(600), ms(800)), "no stall")
	assert.Equal(t, 300*time.Millisecond, lag.max())
}

// TestSentinelReplicaCopyKnowsAnUntouchedReplica reads INFO replication
// as Redis 7 writes it: a replica, a replica just promoted, one that has
// since taken writes.
func TestSentinelReplicaCopyKnowsAnUntouchedReplica(t *testing.T) {
	for info, want := range map[string]bool{
		"# Replication\r\nrole:slave\r\nmaster_repl_offset:87\r\nsecond_repl_offset:-1\r\n":   true,
		"# Replication\r\nrole:master\r\nmaster_repl_offset:87\r\nsecond_repl_offset:88\r\n":  true,
		"# Replication\r\nrole:master\r\nmaster_repl_offset:137\r\nsecond_repl_offset:88\r\n": false,
		"# Replication\r\nrole:master\r\nmaster_repl_offset:87\r\nsecond_repl_offset:-1\r\n":  false,
	} {
		assert.Equal(t, want, untouchedReplica(info), info)
	}
}
