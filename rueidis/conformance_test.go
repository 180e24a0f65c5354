package rueidis

import (
	"context"
	"testing"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/cache"
	"github.com/cachekit/cachekit/cache/cachetest"
)

func TestConformance(t *testing.T) {
	forEachDeployment(t, func(t *testing.T, d deployment) {
		raw := d.newClient(t)
		cachetest.Run(t, cachetest.Harness{
			New: func(tb testing.TB) cache.Store {
				s, _ := d.newStore(tb, Options{})
				return s
			},
			Shared:       true,
			CompareBytes: true,
			WakeWithin:   100 * time.Millisecond,
			WriteRaw: func(tb testing.TB, key string, val []byte) {
				if err := raw.Do(context.Background(), raw.B().Set().Key(key).Value(rd.BinaryString(val)).Build()).Error(); err != nil {
					tb.Fatalf("SET %q: %v", key, err)
				}
			},
		})
	})
}
