// Command httpservice is a small HTTP service that serves users from a slow
// source through a loader.Loader: GET /user/{id} answers from the cache,
// and a burst of requests for an id that is not cached loads it once.
//
//	go run ./examples/httpservice                                  # memory store
//	go run ./examples/httpservice -store redis -addr 127.0.0.1:6379
//	go run ./examples/httpservice -store memcached -addr 127.0.0.1:11211
//
// Run several of them on one Redis or memcached (different -listen
// addresses) and a burst spread over all of them still loads each id once:
// the loader coordinates them through the key's lock.Red.
//
// GET /stats reports the loads, hits and misses the cache's hooks saw.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
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

// errNoUser is the source's answer for an id it does not know.
var errNoUser = errors.New("no such user")

// source is the slow system of record: a database, another service.
type source struct {
	delay time.Duration
	// gate, if not nil, holds every answer until it is closed, instead of
	// delay: a test decides when the source answers.
	gate  <-chan struct{}
	calls atomic.Int64
}

// user returns the user of id after the source's delay; ids above 1000 do
// not exist.
func (s *source) user(ctx context.Context, id int) (User, error) {
	s.calls.Add(1)
	if err := s.wait(ctx); err != nil {
		return User{}, err
	}
	if id < 1 || id > 1000 {
		return User{}, fmt.Errorf("user %d: %w", id, errNoUser)
	}
	return User{ID: id, Name: "user " + strconv.Itoa(id)}, nil
}

// wait waits until the source may answer: delay, or until gate is closed
// if it is set; or until ctx ends (its error).
func (s *source) wait(ctx context.Context) error {
	if s.gate != nil {
		select {
		case <-s.gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// service is the HTTP handler of the users.
type service struct {
	users *loader.Loader[int, User]
	src   *source
	stats *hook.HitMiss
	loads *hook.Timing
}

// newService serves the users of src, cached in store; extra hooks observe
// the cache beside the service's own.
func newService(store cache.Store, src *source, extra ...cache.Hook) (*service, error) {
	stats, loads := new(hook.HitMiss), new(hook.Timing)
	c, err := cache.New(store, cache.Options[int, User]{
		Namespace:  "users",
		Serializer: serializer.JSON[User](),
		TTL:        10 * time.Minute,
		Hooks:      append([]cache.Hook{stats, loads}, extra...),
	})
	if err != nil {
		return nil, err
	}
	users, err := loader.New(c, func(ctx context.Context, id int) (User, error) {
		u, err := src.user(ctx, id)
		if errors.Is(err, errNoUser) {
			return u, fmt.Errorf("%w: %w", loader.ErrNotFound, err)
		}
		return u, err
	}, loader.Options[int, User]{
		Lease:   5 * time.Second,
		MissTTL: time.Minute, // unknown ids are remembered too
	})
	if err != nil {
		return nil, err
	}
	return &service{users: users, src: src, stats: stats, loads: loads}, nil
}

func (s *service) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user/{id}", s.user)
	mux.HandleFunc("GET /stats", s.statistics)
	return mux
}

func (s *service) user(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		http.Error(w, "id must be a number", http.StatusBadRequest)
		return
	}
	// Always give the call a deadline: a store that is away then costs the
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

func (s *service) statistics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"source_calls": s.src.calls.Load(),
		"loads":        s.loads.Stats(cache.OpLoad).Count,
		"hits":         s.stats.Hits(),
		"misses":       s.stats.Misses(),
	})
}

// openStore returns the store named by kind at addr, and what closes it.
func openStore(kind, addr string) (cache.Store, func(), error) {
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

func main() {
	kind := flag.String("store", "memory", "memory, redis or memcached")
	addr := flag.String("addr", "", "the server of -store redis or memcached (host:port)")
	listen := flag.String("listen", "127.0.0.1:8080", "the address to serve on")
	delay := flag.Duration("delay", 200*time.Millisecond, "how slow the source is")
	flag.Parse()

	store, closeStore, err := openStore(*kind, *addr)
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()
	svc, err := newService(store, &source{delay: *delay})
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *listen, Handler: svc.routes(), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("serving users on http://%s/user/{id} from a %s store", *listen, *kind)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
