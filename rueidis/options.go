package rueidis

import "time"

// Defaults of Options.
const (
	// DefaultScanCount is the COUNT hint of the SCAN calls of Clear when
	// Options.ScanCount is not positive.
	DefaultScanCount = 1000
	// DefaultPollInterval is Options.PollInterval when it is not positive.
	DefaultPollInterval = 10 * time.Millisecond
)

// Options configures a Store. The zero value is ready to use: every field
// documents its default.
type Options struct {
	// ScanCount is the COUNT hint of each SCAN of a namespace Clear, and so
	// roughly the number of keys removed per round trip.
	// Default: DefaultScanCount.
	ScanCount int

	// ClientSideCache > 0 serves Get, MultiGet and Exists from rueidis'
	// client-side cache (DoCache), each entry kept at most this long, and
	// coherent through RESP3 server-assisted invalidation: a write or delete
	// by any client reaches the next read within about a round trip, and
	// the store reads its own writes at once. 0
	// reads from Redis every time. Writes, CompareAndSwap (and GetVersion,
	// which it starts from), locks and GetTTL always go to Redis. See the
	// package documentation for what it costs.
	ClientSideCache time.Duration

	// PollInterval is how often a watch (see Store.Watch) reads its key
	// where Redis cannot tell the store of changes (no RESP3 tracking).
	// Default: DefaultPollInterval.
	PollInterval time.Duration
}

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.ScanCount <= 0 {
		o.ScanCount = DefaultScanCount
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	return o
}
