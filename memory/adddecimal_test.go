package memory

import (
	"errors"
	"math"
	"testing"

	"github.com/cachekit/cachekit/cache"
)

// TestAddDecimalTakesExactlyWhatRedisTakes: the texts Redis' INCRBY
// refuses (and strconv.ParseInt would take) are ErrNotInteger here too.
func TestAddDecimalTakesExactlyWhatRedisTakes(t *testing.T) {
	for _, tc := range []struct {
		s     string
		delta int64
		want  int64
		ok    bool
	}{
		{"0", 1, 1, true},
		{"-5", 2, -3, true},
		{"9223372036854775807", 0, math.MaxInt64, true},
		{"-9223372036854775808", 0, math.MinInt64, true},
		{"9223372036854775807", 1, 0, false},
		{"-9223372036854775808", -1, 0, false},
		{"+5", 1, 0, false},
		{"-0", 1, 0, false},
		{"007", 1, 0, false},
		{" 12", 1, 0, false},
		{"12 ", 1, 0, false},
		{"", 1, 0, false},
	} {
		got, err := addDecimal(tc.s, tc.delta)
		if tc.ok {
			if err != nil || got != tc.want {
				t.Errorf("addDecimal(%q, %d) = %d, %v; want %d", tc.s, tc.delta, got, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, cache.ErrNotInteger) {
			t.Errorf("addDecimal(%q, %d) = %d, %v; want ErrNotInteger", tc.s, tc.delta, got, err)
		}
	}
}
