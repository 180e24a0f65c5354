package rueidis_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	ckredis "github.com/cachekit/cachekit/rueidis"
)

// This example needs a Redis server on 127.0.0.1:6379, standalone or a
// Cluster node, so it is compiled but not run.
func Example() {
	client, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{"127.0.0.1:6379"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close() // after the store: deferred calls run last first

	store := ckredis.New(client, ckredis.Options{})
	defer store.Close()

	greetings, err := cache.New(store, cache.Options[string, string]{Namespace: "greetings", TTL: time.Hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if err := greetings.Set(ctx, "en", "hello"); err != nil {
		fmt.Println(err)
		return
	}
	msg, found, err := greetings.Get(ctx, "en")
	fmt.Println(msg, found, err)
}
