package memcache_test

import (
	"context"
	"fmt"
	"log"
	"time"

	gm "github.com/bradfitz/gomemcache/memcache"

	ckmemcache "github.com/cachekit/cachekit/memcache"
)

// A store over a memcached on localhost. It needs a running server, so
// this example is compiled but not run.
func ExampleNew() {
	client := gm.New("127.0.0.1:11211")
	client.MaxIdleConns = 32 // at least the expected concurrency
	defer client.Close()
	store := ckmemcache.New(client, ckmemcache.Options{})
	defer store.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	// Keys of any length and content work; "users" is the namespace.
	if err := store.Set(ctx, "users:Ada Lovelace", []byte(`{"born":1815}`), time.Minute); err != nil {
		log.Fatal(err)
	}
	val, found, err := store.Get(ctx, "users:Ada Lovelace")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(found, string(val))
	// Clear of a namespace leaves every other namespace alone.
	if err := store.Clear(ctx, "users"); err != nil {
		log.Fatal(err)
	}
}
