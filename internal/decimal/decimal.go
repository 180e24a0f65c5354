// Package decimal reads the decimal integers that Increment adds to, by the
// rules of Redis' INCRBY, so that every store accepts and refuses the same
// texts.
//
// Redis parses a value with string2ll: an optional '-', then one or more
// digits, the first not '0' unless it is the only one, and a result within
// int64. No '+', no spaces or other bytes around the number, no leading
// zeros, no "-0". Put the other way round: a text is an integer exactly
// when it is the decimal form strconv.FormatInt gives some int64. The
// other stores' own parsers are laxer (strconv.ParseInt takes "+5" and
// "007"; memcached's incr takes " 12" and "5 x"), so they call Parse before
// they add.
package decimal

import "math"

// maxLen is the length of the longest integer text, "-9223372036854775808".
const maxLen = 20

// Parse returns the int64 whose decimal text is exactly s, and whether s is
// one (see the package documentation). It does not allocate.
func Parse[T ~string | ~[]byte](s T) (int64, bool) {
	n := len(s)
	if n == 0 || n > maxLen {
		return 0, false
	}
	i, neg := 0, false
	if s[0] == '-' {
		i, neg = 1, true
	}
	switch {
	case i == n:
		return 0, false // "-"
	case s[i] == '0':
		// "0" alone; "-0", "00" and "07" are not integers.
		return 0, n == 1
	}
	// Accumulate the magnitude as uint64, which holds |MinInt64|.
	var u uint64
	for ; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if u > (math.MaxUint64-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true // -(1<<63) wraps to MinInt64, as it should
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}
