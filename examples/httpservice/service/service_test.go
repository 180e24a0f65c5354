package service

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cachekit/cachekit/cache"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T, src *Source, hooks ...cache.Hook) *httptest.Server {
	store, closeStore, err := Open("memory", "")
	require.NoError(t, err)
	t.Cleanup(closeStore)
	svc, err := New(store, src, hooks...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Close() })
	srv := httptest.NewServer(svc.Routes())
	t.Cleanup(srv.Close)
	return srv
}

// TestBurstForOneUserLoadsItOnce holds the source's answer until every
// request of the burst has missed, so that all of them wait for the one
// load, whatever the order in which they arrive.
func TestBurstForOneUserLoadsItOnce(t *testing.T) {
	const requests = 50
	gate := make(chan struct{})
	src := &Source{Gate: gate}
	var misses atomic.Int64
	allMissed := make(chan struct{})
	srv := newServer(t, src, cache.HookFunc(func(_ context.Context, e cache.Event) {
		if e.Op == cache.OpGet && misses.Add(int64(e.Misses)) == requests && e.Misses > 0 {
			close(allMissed)
		}
	}))
	var wg sync.WaitGroup
	codes := make([]int, requests)
	users := make([]User, requests)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(srv.URL + "/user/42")
			if !assert.NoError(t, err) {
				return
			}
			defer resp.Body.Close()
			codes[i] = resp.StatusCode
			_ = json.NewDecoder(resp.Body).Decode(&users[i])
		}()
	}
	select {
	case <-allMissed:
	case <-time.After(time.Minute): // a hang, not a slow machine
		t.Errorf("after a minute only %d of %d requests missed", misses.Load(), requests)
	}
	close(gate)
	wg.Wait()
	for i := range requests {
		assert.Equal(t, http.StatusOK, codes[i])
		assert.Equal(t, User{ID: 42, Name: "user 42"}, users[i])
	}
	assert.EqualValues(t, 1, src.Calls.Load(), "calls of the slow source for one burst")

	resp, err := http.Get(srv.URL + "/stats")
	require.NoError(t, err)
	defer resp.Body.Close()
	var stats map[string]float64
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&stats))
	assert.EqualValues(t, 1, stats["loads"], "one load in the hooks' figures")
	assert.EqualValues(t, requests, stats["misses"], "one miss per request of the cold burst")
}

func TestUnknownUserIsNotFoundAndRemembered(t *testing.T) {
	src := &Source{Delay: 50 * time.Millisecond}
	srv := newServer(t, src)
	for range 3 {
		resp, err := http.Get(srv.URL + "/user/5000")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	assert.EqualValues(t, 1, src.Calls.Load(), "an unknown id is asked for once within MissTTL")
	resp, err := http.Get(srv.URL + "/user/abc")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
