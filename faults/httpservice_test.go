package faults

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cachekit/cachekit/examples/httpservice/service"
)

const (
	// serviceRate is the requests per second of TestServiceAnswersThroughAnOutage.
	serviceRate = 200
	// serviceIDs are the users it asks for, cached before the outage.
	serviceIDs = 100
	// servicePhase is how long each phase lasts: before the kill, the
	// outage, after the restart.
	servicePhase = 2 * time.Second
)

// TestServiceAnswersThroughAnOutage runs examples/httpservice (its loader
// with FailOpen, StaleFor and RefreshAfter) on each kind of server, under a
// load of 200 requests a second for cached users, and SIGKILLs the server,
// then restarts it: every request is answered with its user (from the
// cache, or from the source while the store is down), none with an
// error.
func TestServiceAnswersThroughAnOutage(t *testing.T) {
	for _, r := range remotes {
		t.Run(r.name, func(t *testing.T) { runServiceOutage(t, r) })
	}
}

func runServiceOutage(t *testing.T, r remote) {
	srv := r.own(t)
	store, closeStore := r.open(t, []string{srv.Addr()}, nil)
	defer closeStore()
	src := &service.Source{Delay: 5 * time.Millisecond}
	svc, err := service.New(store, src)
	require.NoError(t, err)
	defer svc.Close()
	web := httptest.NewServer(svc.Routes())
	defer web.Close()
	client := &http.Client{Timeout: 10 * time.Second}

	get := func(id int) error {
		resp, err := client.Get(fmt.Sprintf("%s/user/%d", web.URL, id))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var u service.User
		if err := json.NewDecoder(resp.Body).Decode(&u); err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("user %d: status %d (%v)", id, resp.StatusCode, err)
		}
		if u.ID != id {
			return fmt.Errorf("user %d: got user %d", id, u.ID)
		}
		return nil
	}
	for id := 1; id <= serviceIDs; id++ {
		require.NoError(t, get(id), "warming up")
	}

	var (
		sent, failed atomic.Int64
		mu           sync.Mutex
		example      error
		wg           sync.WaitGroup
	)
	stop := make(chan struct{})
	tick := time.NewTicker(time.Second / serviceRate)
	defer tick.Stop()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sent.Add(1)
				if err := get(1 + n%serviceIDs); err != nil {
					failed.Add(1)
					mu.Lock()
					example = err
					mu.Unlock()
				}
			}()
		}
	}()
	time.Sleep(servicePhase) // the load runs before the kill
	callsBefore := src.Calls.Load()
	srv.Kill()
	time.Sleep(servicePhase) // the load runs through the outage
	callsDuring := src.Calls.Load() - callsBefore
	srv.Restart(t)
	time.Sleep(servicePhase) // the load runs after the restart
	close(stop)
	wg.Wait()
	t.Logf("%s: %d requests at %d/s over %v, %d failed (e.g. %v); the source answered %d during the outage",
		r.name, sent.Load(), serviceRate, 3*servicePhase, failed.Load(), example, callsDuring)
	assert.Zero(t, failed.Load(), "requests that were not answered with their user")
	assert.Greater(t, sent.Load(), int64(serviceRate), "the load ran")
}
