// Package faults holds cachekit's fault-injection suite, and nothing else:
// its tests crash servers, break connections and kill processes, against
// real redis-server and memcached processes started by
// internal/testserver, and check that cachekit neither panics, hangs,
// leaks nor returns a wrong value, and loses no update it acknowledged.
//
//   - TestServerKilledAndRestartedUnderLoad: Redis, a one-master Redis
//     Cluster and memcached are killed with SIGKILL under 16 goroutines of
//     Get, Set and Increment with per-call deadlines, and restarted on the
//     same port. Errors happen during the outage only, recovery after the
//     restart is prompt (it is logged), and no goroutine is left after
//     Close.
//   - TestLockUpdateLosesNoAcknowledgedUpdate: lock.Update increments one
//     counter from 3 processes of 8 goroutines each, on every remote store,
//     directly and through a proxy that resets about 1% of what it
//     forwards. Every acknowledged update is in the final value, and only
//     updates that failed (whose effect is unknown) may be there beyond
//     them; with no faults the final value is the acknowledged count.
//   - TestRedHolderKilledWhileHolding: a process holding a lock.Red is
//     killed; waiters in another process go on, and a new Acquire succeeds
//     once the holder's lease has run out.
//   - TestServiceAnswersThroughAnOutage: examples/httpservice (a loader
//     with FailOpen, StaleFor and RefreshAfter) under 200 requests a second
//     for cached users, on Redis, a Cluster and memcached, each SIGKILLed
//     and restarted: every request gets its user, none an error.
//   - TestSlowServerCallsReturnAtTheirDeadline: 32 goroutines call Get and
//     Set with 5 ms deadlines on Redis, a Redis Cluster and memcached
//     through proxies that hold every reply for a second, and on the
//     memory store (no proxy) as the reference of returning at once.
//     Every error matches context.DeadlineExceeded, and the 99th
//     percentile of how late past its deadline a call returns (logged
//     with p50 and max per store) stays under 500 ms: a store that waits
//     for the reply is a second late.
//   - TestCancellationStormLeavesNothingBehind: 2000 goroutines with 1 ms
//     deadlines on the memory store; its heap and the goroutines come back
//     to where they were.
//   - TestSentinelFailoverUnderLoad: the master of a Redis Sentinel
//     deployment is killed with SIGKILL under 16 goroutines of Get, Set
//     and Increment with per-call deadlines, through two clients, with
//     and without near cache, while lock.Red waiters wait. The sentinels
//     promote the replica in a second or two; no call returns more than
//     200 ms after its deadline (beyond the scheduling delay of a loaded
//     machine), no Get returns a value never written, or after the
//     promotion an older value than the new master's or a lost write, and
//     the waiters go on at the holders' release or expiry. The time to the
//     first success after the promotion and the acknowledged writes the
//     asynchronous replication lost are logged.
//
// The package has no code: nothing imports it, and it imports the packages
// it tests (cache, lock, the stores), which is why it sits above them all.
// It runs with go test ./..., in about half a minute.
package faults
