package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
)

// roundSuffix is what go test appends to the name of a sub-benchmark run
// again under the same parent: "impl=cachekit#01". The benchmarks do it
// on purpose, to take more samples of a noisy comparison in one pass (see
// storeSuite.rounds).
var roundSuffix = regexp.MustCompile(`#[0-9]+`)

// sameNames returns files with the round suffixes dropped from the names
// of the benchmarks, so that the report and benchstat count every round
// as a sample of one benchmark, as they count the passes: a file that has
// none is returned as it is, others are rewritten into dir.
func sameNames(files []string, dir string) ([]string, error) {
	out := make([]string, len(files))
	for i, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		lines := bytes.SplitAfter(b, []byte("\n"))
		changed := false
		for j, line := range lines {
			if !bytes.HasPrefix(line, []byte("Benchmark")) {
				continue
			}
			end := bytes.IndexAny(line, " \t")
			if end < 0 {
				end = len(line)
			}
			if field := line[:end]; bytes.IndexByte(field, '#') >= 0 {
				lines[j] = append(roundSuffix.ReplaceAll(field, nil), line[end:]...)
				changed = true
			}
		}
		if !changed {
			out[i] = name
			continue
		}
		out[i] = filepath.Join(dir, filepath.Base(name))
		if err := os.WriteFile(out[i], bytes.Join(lines, nil), 0o644); err != nil {
			return nil, err
		}
	}
	return out, nil
}
