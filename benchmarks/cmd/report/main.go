// Command report turns the output of the benchmarks into RESULTS.md: the
// machine, the command, whether each target was met, cachekit's ratio to
// each peer, the benchstat tables, and an SVG chart of the main
// comparisons.
//
//	go run ./cmd/report -cmd "go test ..." -benchstat .bin/benchstat \
//		-out RESULTS.md -svg results.svg results/bench.txt
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	var (
		out       = flag.String("out", "RESULTS.md", "the Markdown file to write")
		svg       = flag.String("svg", "results.svg", "the chart to write, beside -out; empty for none")
		command   = flag.String("cmd", "", "the command that produced the results, as shown in the report")
		mode      = flag.String("mode", "short", "the run's mode, as shown in the report")
		benchstat = flag.String("benchstat", "benchstat", "the benchstat binary; empty to leave its tables out")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: report [flags] bench.txt...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*out, *svg, *command, *mode, *benchstat, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(out, svg, command, mode, benchstat string, files []string) error {
	dir, err := os.MkdirTemp("", "report")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if files, err = sameNames(files, dir); err != nil {
		return err
	}
	r, err := readResults(files...)
	if err != nil {
		return err
	}
	rep := &report{
		results:   r,
		machine:   describeMachine(r),
		command:   command,
		mode:      mode,
		benchstat: benchstat,
		files:     files,
		date:      time.Now().UTC().Format("2006-01-02 15:04 UTC"),
	}
	if svg != "" {
		path := filepath.Join(filepath.Dir(out), svg)
		if err := writeChart(r, path); err != nil {
			return fmt.Errorf("chart: %w", err)
		}
		rep.chart = svg
	}
	var buf bytes.Buffer
	if err := rep.write(&buf); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
