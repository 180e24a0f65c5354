package lock_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/lock"
)

// The parent test passes its child processes what they need through these
// environment variables; a test binary started with childBackendEnv set is
// a child.
const (
	childBackendEnv   = "CACHEKIT_LOCK_CHILD"
	childAddrEnv      = "CACHEKIT_LOCK_ADDR"
	childNamespaceEnv = "CACHEKIT_LOCK_NAMESPACE"
)

const (
	processes            = 3
	goroutinesPerProcess = 8
)

// TestLoaderRunsOnceAcrossProcesses is the cache-stampede example across real
// processes: the test binary starts itself three times, and in each child
// eight goroutines run Do(get; if missing { expensive(); set }) on one key
// of a Redis or memcached server. The loader holds the lock until every
// goroutine of every process has started, so all of them contend; the
// expensive function must run exactly once in all.
func TestLoaderRunsOnceAcrossProcesses(t *testing.T) {
	if os.Getenv(childBackendEnv) != "" {
		runLoaderChild(t)
		return
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			addr := b.addr(t)
			ns := uniqueNamespace()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()

			type child struct {
				cmd *exec.Cmd
				out strings.Builder
			}
			children := make([]*child, processes)
			for i := range children {
				ch := &child{cmd: exec.CommandContext(ctx, os.Args[0],
					"-test.run=^TestLoaderRunsOnceAcrossProcesses$", "-test.count=1", "-test.timeout=2m")}
				ch.cmd.Env = append(os.Environ(),
					childBackendEnv+"="+b.name, childAddrEnv+"="+addr, childNamespaceEnv+"="+ns)
				ch.cmd.Stdout = &ch.out
				ch.cmd.Stderr = &ch.out
				require.NoError(t, ch.cmd.Start())
				children[i] = ch
			}
			loads, served := 0, 0
			for i, ch := range children {
				err := ch.cmd.Wait()
				require.NoError(t, err, "child %d failed:\n%s", i, ch.out.String())
				var l, s int
				found := false
				sc := bufio.NewScanner(strings.NewReader(ch.out.String()))
				for sc.Scan() {
					if _, err := fmt.Sscanf(sc.Text(), "child loads=%d served=%d", &l, &s); err == nil {
						found = true
					}
				}
				require.True(t, found, "child %d did not report:\n%s", i, ch.out.String())
				loads += l
				served += s
			}
			assert.Equal(t, 1, loads, "times the expensive function ran in all processes")
			assert.Equal(t, processes*goroutinesPerProcess, served, "goroutines that returned the value")

			counters := cache.Must(cache.New(b.open(t, addr), cache.Options[string, int64]{Namespace: ns}))
			n, err := counters.Increment(t.Context(), "loads", 0)
			require.NoError(t, err)
			assert.Equal(t, int64(1), n, "loads counted on the server")
		})
	}
}

// runLoaderChild is the work of one child process.
func runLoaderChild(t *testing.T) {
	b, ok := backendNamed(os.Getenv(childBackendEnv))
	require.True(t, ok, "unknown backend %q", os.Getenv(childBackendEnv))
	store := b.open(t, os.Getenv(childAddrEnv))
	ns := os.Getenv(childNamespaceEnv)
	c := cache.Must(cache.New(store, cache.Options[string, string]{Namespace: ns}))
	counters := cache.Must(cache.New(store, cache.Options[string, int64]{Namespace: ns}))
	ctx := t.Context()

	var loads, served atomic.Int64
	expensive := func() string {
		loads.Add(1)
		_, err := counters.Increment(ctx, "loads", 1)
		assert.NoError(t, err)
		// Hold the lock until every goroutine of every process has arrived.
		deadline := time.Now().Add(time.Minute)
		for {
			n, err := counters.Increment(ctx, "arrived", 0)
			if !assert.NoError(t, err) || n >= processes*goroutinesPerProcess {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("only %d goroutines arrived", n)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		return "expensive value"
	}

	var wg sync.WaitGroup
	for range goroutinesPerProcess {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := counters.Increment(ctx, "arrived", 1); !assert.NoError(t, err) {
				return
			}
			var v string
			err := lock.NewRed(c, "report", time.Minute).Do(ctx, func(ctx context.Context) error {
				var found bool
				var err error
				if v, found, err = c.Get(ctx, "report"); err != nil || found {
					return err
				}
				v = expensive()
				return c.Set(ctx, "report", v)
			})
			if assert.NoError(t, err) && assert.Equal(t, "expensive value", v) {
				served.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("child loads=%d served=%d\n", loads.Load(), served.Load())
}
