package rueidis

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cachekit/cachekit/internal/testserver"
)

// slotKeys are keys whose hash tags, if any, are tricky.
var slotKeys = []string{
	"", "a", "foo", "123456789", "{", "}", "{}", "{}x", "x{}", "{a}", "x{a}y", "{a}{b}",
	"{{a}}", "a{b", "a}b{c}", "{}{a}", "ns:{user1000}.following", "ünïcode{ü}",
	"\x00\xff{\x00}",
}

func TestKeySlotMatchesTheServer(t *testing.T) {
	addr := testserver.RedisCluster(t)[0]
	for _, key := range slotKeys {
		if key == "" || strings.ContainsRune(key, 0) {
			continue // not passable as an argument of redis-cli
		}
		want := testserver.RedisCLI(t, addr, "CLUSTER", "KEYSLOT", key)
		if got := strconv.Itoa(int(keySlot(key))); got != want {
			t.Errorf("keySlot(%q) = %s, CLUSTER KEYSLOT = %s", key, got, want)
		}
	}
}

func TestKeySlotMatchesTheClusterClient(t *testing.T) {
	client := deployments[1].newClient(t)
	keys := append([]string(nil), slotKeys...)
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = "ab{}:\x00\xff"[r.IntN(7)]
		}
		keys = append(keys, string(b))
	}
	for _, key := range keys {
		cmd := client.B().Get().Key(key).Build()
		if got, want := keySlot(key), cmd.Slot(); got != want {
			t.Errorf("keySlot(%q) = %d, rueidis = %d", key, got, want)
		}
	}
}

func TestCRC16IsXModem(t *testing.T) {
	// The check value of CRC-16/XMODEM.
	if got := crc16("123456789"); got != 0x31c3 {
		t.Fatalf("crc16(123456789) = %#x, want 0x31c3", got)
	}
}
