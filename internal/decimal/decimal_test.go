package decimal

import (
	"math"
	"strconv"
	"testing"
)

// cases are texts at the edges of the rules, with their value if they are
// integers. TestParseAgreesWithRedis checks every one against a real
// redis-server.
var cases = []struct {
	in string
	n  int64
	ok bool
}{
	{"0", 0, true},
	{"1", 1, true},
	{"-1", -1, true},
	{"12", 12, true},
	{"-12", -12, true},
	{"1000000", 1000000, true},
	{"9223372036854775807", math.MaxInt64, true},
	{"-9223372036854775808", math.MinInt64, true},
	{"9223372036854775808", 0, false},
	{"-9223372036854775809", 0, false},
	{"18446744073709551615", 0, false},
	{"18446744073709551616", 0, false},
	{"99999999999999999999", 0, false},
	{"-99999999999999999999", 0, false},
	{"100000000000000000000", 0, false},
	{"", 0, false},
	{"-", 0, false},
	{"+", 0, false},
	{"-0", 0, false},
	{"+0", 0, false},
	{"00", 0, false},
	{"007", 0, false},
	{"-07", 0, false},
	{"00000000000000000001", 0, false},
	{"+5", 0, false},
	{" 12", 0, false},
	{"12 ", 0, false},
	{"1 2", 0, false},
	{"\t1", 0, false},
	{"1\n", 0, false},
	{"1\r\n", 0, false},
	{"12\x00", 0, false},
	{"5 x", 0, false},
	{"--1", 0, false},
	{"1-", 0, false},
	{"1.5", 0, false},
	{"1.0", 0, false},
	{"1e3", 0, false},
	{"0x10", 0, false},
	{"1_000", 0, false},
	{"١٢", 0, false}, // Arabic-Indic digits
	{"１２", 0, false}, // fullwidth digits
	{"abc", 0, false},
	{"12abc", 0, false},
	{"\xff", 0, false},
}

func TestParse(t *testing.T) {
	for _, c := range cases {
		n, ok := Parse(c.in)
		if n != c.n || ok != c.ok {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", c.in, n, ok, c.n, c.ok)
		}
		if nb, okb := Parse([]byte(c.in)); nb != n || okb != ok {
			t.Errorf("Parse([]byte(%q)) = %d, %v; Parse(string) = %d, %v", c.in, nb, okb, n, ok)
		}
	}
}

func TestParseAcceptsEveryFormattedInt64(t *testing.T) {
	for _, n := range []int64{0, 1, -1, 9, -9, 10, -10, 99, 100, 1 << 31, -1 << 31, 1<<53 + 1, math.MaxInt64 - 1, math.MaxInt64, math.MinInt64 + 1, math.MinInt64} {
		s := strconv.FormatInt(n, 10)
		if got, ok := Parse(s); !ok || got != n {
			t.Errorf("Parse(%q) = %d, %v; want %d, true", s, got, ok, n)
		}
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	b := []byte("-9223372036854775808")
	if allocs := testing.AllocsPerRun(100, func() { _, _ = Parse(b) }); allocs != 0 {
		t.Errorf("Parse allocates %v times", allocs)
	}
}

// isInteger is the rule of the package documentation, said another way: s
// is the decimal form of an int64.
func isInteger(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && strconv.FormatInt(n, 10) == s
}

func FuzzParse(f *testing.F) {
	for _, c := range cases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Parse(s)
		wantN, wantOK := isInteger(s)
		if ok != wantOK || (ok && n != wantN) {
			t.Fatalf("Parse(%q) = %d, %v; want %d, %v", s, n, ok, wantN, wantOK)
		}
		if !ok && n != 0 {
			t.Fatalf("Parse(%q) = %d, false; want 0 when it refuses", s, n)
		}
	})
}
