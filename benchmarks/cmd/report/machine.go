package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where the benchmarks ran.
type machine struct {
	CPU, Cores, GOOSARCH, Go, Redis, Memcached string
}

// describeMachine reads the machine's description from the system and
// the benchmark output's configuration.
func describeMachine(r *results) machine {
	m := machine{
		CPU:       cpuModel(),
		Cores:     itoa(runtime.NumCPU()),
		GOOSARCH:  r.config["goos"] + "/" + r.config["goarch"],
		Go:        firstLine(output("go", "version")),
		Redis:     firstLine(output("redis-server", "--version")),
		Memcached: firstLine(output("memcached", "-V")),
	}
	if m.CPU == "" {
		m.CPU = r.config["cpu"]
	}
	if c := strings.TrimSpace(r.config["cpu"]); c != "" && c != m.CPU {
		m.CPU += " (Go reports: " + c + ")"
	}
	return m
}

// cpuModel returns the "model name" of /proc/cpuinfo, "" if there is none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// output returns the output of a command, or "unknown" if it fails.
func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "unknown (" + name + ": " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
