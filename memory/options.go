package memory

import (
	"math/bits"
	"time"
)

// Default values of Options fields left at zero.
const (
	// DefaultShards is the number of shards of a store whose Options.Shards
	// is 0 (fewer when MaxEntries is small, see Options.Shards).
	DefaultShards = 64
	// DefaultCleanupInterval is the sweep period of a store whose
	// Options.CleanupInterval is 0.
	DefaultCleanupInterval = time.Second

	// minShardEntries is the smallest share of MaxEntries a default-sized
	// shard gets. The policy's small queue starts at 1 % of a shard and
	// its frequency sketch and ghosts need a few thousand keys to tell
	// popular keys from others: on the traces of benchmarks/cmd/hitratio,
	// shards of 4096 entries cost at most a few tenths of a point against
	// one shard, shards of 64 up to several points.
	minShardEntries = 4096
	// maxShards bounds Options.Shards.
	maxShards = 1 << 16
)

// Options configures a Store. The zero value is a valid configuration: an
// unbounded store with 64 shards, swept every second, on the real clock.
type Options struct {
	// MaxEntries bounds the number of entries; 0 (or a negative number)
	// means unbounded. A write of a new key into a full store evicts an
	// entry first (see the package doc), so the store holds exactly
	// MaxEntries entries once full, and never more.
	MaxEntries int

	// Shards is the number of independently locked parts of the store,
	// rounded down to a power of two and at most 65536. Reads take no
	// lock, so shards only spread writes. 0 means DefaultShards, reduced
	// for a small MaxEntries so that each shard holds at least 4096
	// entries (one shard below 8192), which the eviction policy needs to
	// work well. The count never exceeds MaxEntries (when set), so every
	// shard can hold at least one entry.
	Shards int

	// CleanupInterval is how often the background sweep removes expired
	// entries. 0 means DefaultCleanupInterval; a negative value starts no
	// sweep goroutine (expired entries are then removed only when touched
	// or evicted). Expired entries are never visible either way.
	CleanupInterval time.Duration

	// Clock returns the current time; nil means time.Now. Tests inject a
	// fake clock to expire entries without sleeping. Only differences
	// between its readings matter, and with time.Now they use the monotonic
	// clock.
	Clock func() time.Time
}

// config is Options after defaults are applied.
type config struct {
	maxEntries int
	shards     int // power of two
	interval   time.Duration
	clock      func() time.Time
}

func (o Options) config() config {
	c := config{
		maxEntries: max(o.MaxEntries, 0),
		interval:   o.CleanupInterval,
		clock:      o.Clock,
	}
	if c.interval == 0 {
		c.interval = DefaultCleanupInterval
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	n := o.Shards
	if n <= 0 {
		n = DefaultShards
		if c.maxEntries > 0 {
			n = min(n, max(c.maxEntries/minShardEntries, 1))
		}
	}
	n = min(n, maxShards)
	if c.maxEntries > 0 {
		n = min(n, c.maxEntries)
	}
	// Round down to a power of two.
	p := 1 << (bits.Len(uint(n)) - 1)
	c.shards = p
	return c
}
