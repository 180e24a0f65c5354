// Package service is the HTTP service of examples/httpservice: users
// served from a slow source through a loader.Loader, answering from the
// cache, refreshing hot users ahead of their expiry, serving the last
// value when the source fails, and falling back on the source when the
// cache's store is down.
package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"
	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/hook"
	"github.com/cachekit/cachekit/loader"
	ckmemcache "github.com/cachekit/cachekit/memcache"
	"github.com/cachekit/cachekit/memory"
	ckredis "github.com/cachekit/cachekit/rueidis"
	"github.com/cachekit/cachekit/serializer"
)

// User is what the service serves.
type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// ErrNoUser is the source's answer for an id it does not know.
var ErrNoUser = errors.New("no such user")

// Source is the slow system of record: a database, another service.
type Source struct {
	Delay time.Duration // how long an answer takes
	// Gate, if not nil, holds every answer until it is closed, instead of
	// Delay: a test decides when the source answers.
	Gate  <-chan struct{}
	Calls atomic.Int64 // answers asked for
}

// User returns the user of id after the source's delay; ids outside
// 1..1000 do not exist.
func (s *Source) User(ctx context.Context, id int) (User, error) {
	s.Calls.Add(1)
	if err := s.wait(ctx); err != nil {
		return User{}, err
	}
	if id < 1 || id > 1000 {
		return User{}, fmt.Errorf("user %d: %w", id, ErrNoUser)
	}
	return User{ID: id, Name: "user " + strconv.Itoa(id)}, nil
}

// wait waits until the source may answer: Delay, or until Gate is closed
// if it is set; or until ctx ends (its error).
func (s *Source) wait(ctx context.Context) error {
	if s.Gate != nil {
		select {
		case <-s.Gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	t := time.NewTimer(s.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Service is the HTTP handler of the users.
type Service struct {
	users *loader.Loader[int, User]
	src   *Source
	stats *hook.HitMiss
	loads *hook.Timing
}

// Options of the users' loader: what a service in production wants.
var Options = loader.Options[int, User]{
	Lease:        5 * time.Second,
	TTL:          10 * time.Minute,
	RefreshAfter: 8 * time.Minute, // a hot user is reloaded in the background, never on a request
	StaleFor:     time.Hour,       // the source fails: the last value, up to an hour old
	LoadTimeout:  500 * time.Millisecond,
	MissTTL:      time.Minute, // unknown ids are remembered too
	FailOpen:     true,        // the store fails: the source answers
	StoreTimeout: 250 * time.Millisecond,
}

// New serves the users of src, cached in store; hooks observe the cache
// beside the service's own.
func New(store cache.Store, src *Source, hooks ...cache.Hook) (*Service, error) {
	stats, loads := new(hook.HitMiss), new(hook.Timing)
	c, err := cache.New(store, cache.Options[int, User]{
		Namespace:  "users",
		Serializer: serializer.JSON[User](),
		Jitter:     0.1, // users loaded together do not expire together
		Hooks:      append([]cache.Hook{stats, loads}, hooks...),
	})
	if err != nil {
		return nil, err
	}
	users, err := loader.New(c, func(ctx context.Context, id int) (User, error) {
		u, err := src.User(ctx, id)
		if errors.Is(err, ErrNoUser) {
			return u, fmt.Errorf("%w: %w", loader.ErrNotFound, err)
		}
		return u, err
	}, Options)
	if err != nil {
		return nil, err
	}
	return &Service{users: users, src: src, stats: stats, loads: loads}, nil
}

// Close stops the service's background refreshes.
func (s *Service) Close() error { return s.users.Close() }

// Routes returns the service's handler: GET /user/{id} and GET /stats.
func (s *Service) Routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user/{id}", s.user)
	mux.HandleFunc("GET /stats", s.statistics)
	return mux
}

func (s *Service) user(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		http.Error(w, "id must be a number", http.StatusBadRequest)
		return
	}
	// Always give the call a deadline: a source that hangs then costs the
	// request its deadline, not forever.
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	u, err := s.users.Get(ctx, id)
	switch {
	case errors.Is(err, loader.ErrNotFound):
		http.Error(w, "no such user", http.StatusNotFound)
	case errors.Is(err, context.DeadlineExceeded):
		http.Error(w, "timed out", http.StatusGatewayTimeout)
	case err != nil:
		log.Printf("user %d: %v", id, err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(u)
	}
}

func (s *Service) statistics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"source_calls": s.src.Calls.Load(),
		"loads":        s.loads.Stats(cache.OpLoad).Count,
		"hits":         s.stats.Hits(),
		"misses":       s.stats.Misses(),
	})
}

// Open returns the store named by kind (memory, redis or memcached) at
// addr, and what closes it.
func Open(kind, addr string) (cache.Store, func(), error) {
	switch kind {
	case "memory":
		s := memory.New(memory.Options{MaxEntries: 100_000})
		return s, func() { _ = s.Close() }, nil
	case "redis":
		client, err := rd.NewClient(rd.ClientOption{InitAddress: []string{addr}})
		if err != nil {
			return nil, nil, err
		}
		s := ckredis.New(client, ckredis.Options{})
		return s, func() { _ = s.Close(); client.Close() }, nil
	case "memcached":
		client := gm.New(addr)
		client.MaxIdleConns = 64 // gomemcache keeps 2 by default: too few for a service
		s := ckmemcache.New(client, ckmemcache.Options{})
		return s, func() { _ = s.Close(); _ = client.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown store %q (memory, redis or memcached)", kind)
}
