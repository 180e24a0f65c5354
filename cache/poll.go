package cache

import (
	"context"
	"time"

	"github.com/cachekit/cachekit/internal/ctxerr"
)

// DefaultPollInterval is the interval of a PollWatcher made with an
// interval of 0.
const DefaultPollInterval = 10 * time.Millisecond

// PollWatcher returns a Watcher for any store, which makes its caller poll:
// the channel of each watch is closed one interval after Watch
// (DefaultPollInterval if interval <= 0), whether or not the key changed,
// and the caller's next read of the key is the poll. It reads nothing
// itself and needs no goroutine. A Cache uses it for a store that is not a
// Watcher.
//
// It does not compare what it reads with what it first read, which could
// miss a change and its undoing between two reads: the caller knows what
// it waits for (lock.Red, the token of one holder) and compares with that.
func PollWatcher(interval time.Duration) Watcher {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	return pollWatcher(interval)
}

type pollWatcher time.Duration

// Watch returns a channel closed after the interval.
func (p pollWatcher) Watch(ctx context.Context, _ string) (<-chan struct{}, func(), error) {
	if err := ctxerr.Err(ctx); err != nil {
		return nil, nil, err
	}
	ch := make(chan struct{})
	t := time.AfterFunc(time.Duration(p), func() { close(ch) })
	return ch, func() { t.Stop() }, nil
}
