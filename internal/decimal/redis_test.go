package decimal

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	rd "github.com/redis/rueidis"

	"github.com/cachekit/cachekit/internal/testserver"
)

func TestMain(m *testing.M) { testserver.Main(m) }

// TestParseAgreesWithRedis writes every case, and random texts made of the
// bytes that matter, to a real redis-server and asks INCRBY 0 of it: Parse
// must accept exactly what Redis accepts, with the same value.
func TestParseAgreesWithRedis(t *testing.T) {
	client, err := rd.NewClient(rd.ClientOption{InitAddress: []string{testserver.Redis(t)}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	texts := make([]string, 0, len(cases)+2000)
	for _, c := range cases {
		texts = append(texts, c.in)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789-+ \t\n0001x."
	for range 2000 {
		var b strings.Builder
		for range 1 + r.IntN(21) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}

	key := "decimal:" + strconv.FormatInt(time.Now().UnixNano(), 36)
	defer client.Do(context.WithoutCancel(ctx), client.B().Del().Key(key).Build())
	for _, s := range texts {
		if err := client.Do(ctx, client.B().Set().Key(key).Value(s).Build()).Error(); err != nil {
			t.Fatalf("SET %q: %v", s, err)
		}
		got, rerr := client.Do(ctx, client.B().Incrby().Key(key).Increment(0).Build()).AsInt64()
		redisOK := rerr == nil
		if rerr != nil && !strings.Contains(rerr.Error(), "not an integer") {
			t.Fatalf("INCRBY of %q: %v", s, rerr)
		}
		n, ok := Parse(s)
		if ok != redisOK || (ok && n != got) {
			t.Errorf("Parse(%q) = %d, %v; Redis' INCRBY 0: %d, %v", s, n, ok, got, rerr)
		}
	}
}
