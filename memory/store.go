package memory

import (
	"context"
	"hash/maphash"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/internal/ctxerr"
	"github.com/cachekit/cachekit/internal/leasewait"
)

// Store is an in-process cache.Store and cache.ValueStore. It is safe for
// concurrent use. Create it with New and stop its background sweep with
// Close.
//
// Every method first checks its context and returns ctx.Err() unchanged if
// the context is done, then returns cache.ErrClosed if the store is closed;
// either way it changes nothing. Misses, failed adds and failed compares are
// results, not errors.
type Store struct {
	shards []shard
	mask   uint64 // len(shards) - 1
	seed   maphash.Seed
	bound  *bound // nil when unbounded

	clock func() time.Time // Options.Clock; nil for the real clock
	base  time.Time        // clock reading at New; now() counts from it

	// waiters are the watches of keys (Watch), woken by every change of
	// their key: a write, a delete, an expiry or an eviction.
	waiters leasewait.Table

	closed    atomic.Bool
	closeOnce sync.Once
	stop      chan struct{} // closed by Close to stop the sweep
	done      chan struct{} // closed by the sweep goroutine when it returns; nil without one

	onSweep func() // test hook: called after each background sweep
}

// Compile-time checks of the interfaces Store implements.
var (
	_ cache.Store          = (*Store)(nil)
	_ cache.ValueStore     = (*Store)(nil)
	_ cache.MultiGetter    = (*Store)(nil)
	_ cache.MultiSetter    = (*Store)(nil)
	_ cache.Exister        = (*Store)(nil)
	_ cache.Incrementer    = (*Store)(nil)
	_ cache.Expirer        = (*Store)(nil)
	_ cache.Watcher        = (*Store)(nil)
	_ cache.TTLGetter      = (*Store)(nil)
	_ cache.ValueTTLGetter = (*Store)(nil)
)

// sweepBudget is how many expired entries a sweep removes from a shard
// before it lets other goroutines take the shard's lock.
const sweepBudget = 256

// New returns an empty store configured by opts and, unless
// opts.CleanupInterval is negative, starts its sweep goroutine. Call Close
// to stop it.
func New(opts Options) *Store {
	return newStore(opts, nil)
}

// newStore is New with a hook called after every background sweep.
func newStore(opts Options, onSweep func()) *Store {
	c := opts.config()
	s := &Store{
		shards:  make([]shard, c.shards),
		mask:    uint64(c.shards - 1),
		seed:    maphash.MakeSeed(),
		clock:   opts.Clock,
		stop:    make(chan struct{}),
		onSweep: onSweep,
	}
	s.base = c.clock()
	if c.maxEntries > 0 {
		s.bound = &bound{max: int64(c.maxEntries)}
	}
	idBits := uint(bits.TrailingZeros(uint(c.shards)))
	for i := range s.shards {
		// Spread the remainder, so that the shares add up to maxEntries.
		share := c.maxEntries / c.shards
		if i < c.maxEntries%c.shards {
			share++
		}
		s.shards[i].init(uint64(i), idBits, s.seed, s.bound, share, s.shards, &s.waiters)
	}
	if c.interval > 0 {
		s.done = make(chan struct{})
		go s.sweepLoop(c.interval)
	}
	return s
}

// Close stops the background sweep, waits for it to return and drops every
// entry. Every later operation returns cache.ErrClosed; the goroutines that
// watch a key are woken, and find it closed. Close is idempotent and always
// returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		if s.done != nil {
			<-s.done
		}
		for i := range s.shards {
			sh := &s.shards[i]
			sh.mu.Lock()
			sh.reset()
			sh.mu.Unlock()
		}
		s.waiters.WakeAll()
	})
	return nil
}

// Len returns the number of entries held, counting expired entries that
// have not been removed yet. It locks every shard at once, so that an
// entry moving between shards (one evicted here for one inserted there) is
// counted once.
func (s *Store) Len() int {
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
	n := 0
	for i := range s.shards {
		n += s.shards[i].len()
		s.shards[i].mu.Unlock()
	}
	return n
}

// sweepLoop removes expired entries every interval until Close.
func (s *Store) sweepLoop(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
			if s.onSweep != nil {
				s.onSweep()
			}
		}
	}
}

// sweep removes every entry that has expired, shard by shard, releasing
// each shard's lock every sweepBudget entries.
func (s *Store) sweep() {
	now := s.now()
	for i := range s.shards {
		sh := &s.shards[i]
		for more := true; more; {
			if s.closed.Load() {
				return
			}
			sh.mu.Lock()
			more = sh.removeExpired(now, sweepBudget)
			sh.mu.Unlock()
		}
	}
}

// begin is the common entry check of every operation. A context that can
// never be done (its Done is nil: context.Background and its values) costs
// a call to Done and nothing else. (It is not inlined: with two calls in
// it, it is over the compiler's budget whatever check holds.)
func (s *Store) begin(ctx context.Context) error {
	if ctx.Done() == nil && !s.closed.Load() {
		return nil
	}
	return s.check(ctx)
}

// check is begin for a context that may be done, or a closed store.
func (s *Store) check(ctx context.Context) error {
	if err := ctxerr.Err(ctx); err != nil {
		return err
	}
	if s.closed.Load() {
		return cache.ErrClosed
	}
	return nil
}

// hash returns the hash of key. Its low 7 bits are the key's tag in its
// shard's table, the next ones choose the shard, and the high ones the
// key's place in the table.
func (s *Store) hash(key string) uint64 { return maphash.String(s.seed, key) }

// shardOf returns the shard of the key of hash h.
func (s *Store) shardOf(h uint64) *shard { return &s.shards[h>>7&s.mask] }

// now returns the current time of the store's clock in nanoseconds since
// New. On the real clock it reads only the monotonic clock (time.Since's
// fast path), which costs half as much as time.Now.
func (s *Store) now() int64 {
	if s.clock == nil {
		return int64(time.Since(s.base))
	}
	return int64(s.clock().Sub(s.base))
}

// expiresAt returns the expiry of an entry written at now with ttl: 0 (never)
// for ttl <= 0, never 0 otherwise.
func expiresAt(now int64, ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	if now > math.MaxInt64-int64(ttl) {
		return math.MaxInt64
	}
	if e := now + int64(ttl); e != 0 {
		return e
	}
	return 1
}
