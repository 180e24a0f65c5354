package testserver

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// Main runs the tests of a package, stops every server the test binary
// started, checks for leaked goroutines with goleak (passing it opts) and
// exits. Call it from TestMain:
//
//	func TestMain(m *testing.M) { testserver.Main(m) }
//
// The servers are stopped whatever the tests did, also after a test failed
// before they were ready. A server that does not stop cleanly fails the run.
// As with goleak.VerifyTestMain, the leak check only runs when the tests
// passed unless goleak.RunOnFailure is among opts.
func Main(m *testing.M, opts ...goleak.Option) {
	goleak.VerifyTestMain(stoppingM{m}, append(clientLingerers(), opts...)...)
}

// clientLingerers are goroutines that the rueidis client leaves behind for
// a while after Close and that end on their own: a cluster client closes
// the connections replaced by a topology refresh after sleeping, and its
// lazy refresh sleeps before running (LazyDo up to v1.0.79, DelayDo from
// v1.0.80, which sleeps up to a second). They are not leaks of this
// project.
func clientLingerers() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("github.com/redis/rueidis.(*clusterClient)._refresh.func2"),
		goleak.IgnoreAnyFunction("github.com/redis/rueidis.(*call).LazyDo.func1"),
		goleak.IgnoreAnyFunction("github.com/redis/rueidis.(*call).DelayDo.func1"),
	}
}

// stoppingM runs the tests, then stops the servers, before goleak looks for
// leaked goroutines (the servers' wait goroutines end with them).
type stoppingM struct{ m *testing.M }

func (s stoppingM) Run() int {
	code := s.m.Run()
	if err := servers.stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// errStartAborted is the error of a start that neither returned nor failed
// (it panicked or called runtime.Goexit).
var errStartAborted = errors.New("testserver: start was aborted")

// lazy runs a start function once and hands its result, success or failure,
// to every caller: a server that failed to start is not retried by each test.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

// get returns the result of start, calling it on the first call only.
func (l *lazy[T]) get(start func() (T, error)) (T, error) {
	l.once.Do(func() {
		l.err = errStartAborted // kept if start does not return
		l.v, l.err = start()
	})
	return l.v, l.err
}
