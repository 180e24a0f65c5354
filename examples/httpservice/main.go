// Command httpservice is a small HTTP service that serves users from a slow
// source through a loader.Loader (package service): GET /user/{id}
// answers from the cache; a burst of requests for an id that is not
// cached loads it once; a hot id is reloaded in the background before it
// expires; a failing source gets the last value; a cache server that is
// down costs the source, not an error.
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
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/cachekit/cachekit/examples/httpservice/service"
)

func main() {
	kind := flag.String("store", "memory", "memory, redis or memcached")
	addr := flag.String("addr", "", "the server of -store redis or memcached (host:port)")
	listen := flag.String("listen", "127.0.0.1:8080", "the address to serve on")
	delay := flag.Duration("delay", 200*time.Millisecond, "how slow the source is")
	flag.Parse()

	store, closeStore, err := service.Open(*kind, *addr)
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()
	svc, err := service.New(store, &service.Source{Delay: *delay})
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	srv := &http.Server{Addr: *listen, Handler: svc.Routes(), ReadHeaderTimeout: 5 * time.Second}
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
