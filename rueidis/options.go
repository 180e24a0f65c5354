package rueidis

// Defaults of Options.
const (
	// DefaultReleaseChannel is the Pub/Sub channel of lock releases when
	// Options.ReleaseChannel is empty.
	DefaultReleaseChannel = "cachekit:lock-release"
	// DefaultScanCount is the COUNT hint of the SCAN calls of Clear when
	// Options.ScanCount is not positive.
	DefaultScanCount = 1000
)

// Options configures a Store. The zero value is ready to use: every field
// documents its default.
type Options struct {
	// ReleaseChannel is the Pub/Sub channel on which CompareAndDelete
	// announces a deleted key and WatchRelease listens. Every Store that
	// should see the releases of another must use the same channel. Pub/Sub
	// ignores the selected database, so stores on different databases of
	// one server that reuse key names should use different channels (a
	// shared channel only costs them spurious wake-ups).
	// Default: DefaultReleaseChannel.
	ReleaseChannel string

	// ScanCount is the COUNT hint of each SCAN of a namespace Clear, and so
	// roughly the number of keys removed per round trip.
	// Default: DefaultScanCount.
	ScanCount int
}

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.ReleaseChannel == "" {
		o.ReleaseChannel = DefaultReleaseChannel
	}
	if o.ScanCount <= 0 {
		o.ScanCount = DefaultScanCount
	}
	return o
}
