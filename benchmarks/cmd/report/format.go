package main

import (
	"fmt"
	"strconv"
)

// formatValue formats v of unit for a table.
func formatValue(v float64, unit string) string {
	switch unit {
	case unitTime:
		return formatDuration(v)
	case unitAllocs:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case unitBytes:
		return fmt.Sprintf("%.0f B", v)
	case "p50-ms", "p99-ms", "max-ms":
		if v < 0.1 {
			return fmt.Sprintf("%.1f µs", v*1000)
		}
		return fmt.Sprintf("%.2f ms", v)
	case "updates/s":
		return fmt.Sprintf("%.0f/s", v)
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

// formatDuration formats seconds with a unit that keeps three or four
// significant digits.
func formatDuration(sec float64) string {
	ns := sec * 1e9
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.1f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	default:
		return fmt.Sprintf("%.2f s", ns/1e9)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// formatRatio formats a ratio with two decimals, or three significant
// digits when it is small.
func formatRatio(x float64) string {
	if x < 0.1 {
		return fmt.Sprintf("%.3g×", x)
	}
	return fmt.Sprintf("%.2f×", x)
}
