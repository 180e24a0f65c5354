package main

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestQuickstartShowsEachFeature(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`Get(1) = {ID:1 Name:Ada} (found true), backend key "users:1"`,
		"hits 1, misses 1, ratio 0.50",
		`msgpack stores 14 bytes under "packed:1"`,
		"a 30ms entry after 60ms: found false",
		`8 callers, 1 load(s), all got "report #1": true`,
		`8 callers of Get(9), 1 load(s), all got {ID:9 Name:user 9}: true`,
		"4 goroutines x 25 updates = 100",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
