// Package benchmarks measures cachekit against the libraries people use
// instead of it: otter, ristretto and sync.Map in process; raw rueidis,
// go-redis and go-redis/cache on Redis; raw gomemcache on memcached; and
// redsync, redislock and rueidislock for locks.
//
// It is a module of its own, so that none of those libraries becomes a
// dependency of cachekit. The benchmarks start their own redis-server,
// Redis Cluster and memcached (see internal/testserver) and run with
//
//	go test -run '^$' -bench . -benchmem
//
// Benchmark names end in /impl=NAME, so that
//
//	benchstat -col /impl results.txt
//
// puts the libraries side by side. `make bench` at the repository root runs
// everything and writes RESULTS.md with cmd/report.
package benchmarks
