package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A trace is a sequence of key numbers, replayed in order.
type trace struct {
	name string
	keys []uint64
}

// formats are the trace file formats read, by name.
var formats = map[string]func(io.Reader) ([]uint64, error){
	// lirs: one block number per line (the LIRS traces; lines that are
	// not a number, such as the "*" checkpoints, are skipped).
	"lirs": readLIRS,
	// arc: "start count ignored ignored" per line, for the blocks
	// start..start+count-1 (the ARC traces).
	"arc": readARC,
	// u64: big-endian 8-byte keys (the Corda and Scarab traces of otter's
	// simulator).
	"u64": readU64,
	// i32: big-endian 4-byte keys (the cache2k traces of Caffeine's
	// simulator: web07, web12, orm-busy, orm-night).
	"i32": readI32,
}

// load reads the trace of spec, "format:path"; a .gz path is gunzipped.
func load(spec string) (trace, error) {
	format, path, ok := strings.Cut(spec, ":")
	read := formats[format]
	if !ok || read == nil {
		return trace{}, fmt.Errorf("trace %q: want format:path with format lirs, arc, u64 or i32", spec)
	}
	f, err := os.Open(path)
	if err != nil {
		return trace{}, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<16)
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(r)
		if err != nil {
			return trace{}, fmt.Errorf("%s: %w", path, err)
		}
		defer z.Close()
		r = z
	}
	keys, err := read(r)
	if err != nil {
		return trace{}, fmt.Errorf("%s: %w", path, err)
	}
	name := filepath.Base(path)
	for _, ext := range []string{".gz", ".xz", ".trace", ".bin"} {
		name = strings.TrimSuffix(name, ext)
	}
	return trace{name: name, keys: keys}, nil
}

func readLIRS(r io.Reader) ([]uint64, error) {
	var keys []uint64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k, err := strconv.ParseUint(strings.TrimSpace(sc.Text()), 10, 64); err == nil {
			keys = append(keys, k)
		}
	}
	return keys, sc.Err()
}

func readARC(r io.Reader) ([]uint64, error) {
	var keys []uint64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		start, err1 := strconv.ParseUint(f[0], 10, 64)
		n, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad line %q", sc.Text())
		}
		for i := range n {
			keys = append(keys, start+i)
		}
	}
	return keys, sc.Err()
}

func readU64(r io.Reader) ([]uint64, error) {
	var keys []uint64
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			if err == io.EOF {
				return keys, nil
			}
			return nil, err
		}
		keys = append(keys, binary.BigEndian.Uint64(b[:]))
	}
}

func readI32(r io.Reader) ([]uint64, error) {
	var keys []uint64
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			if err == io.EOF {
				return keys, nil
			}
			return nil, err
		}
		keys = append(keys, uint64(binary.BigEndian.Uint32(b[:])))
	}
}

// zipf returns n requests over items keys, key k (from 0) with probability
// proportional to 1/(k+1)^theta, for 0 < theta < 1 (Gray et al., "Quickly
// generating billion-record synthetic databases", SIGMOD 1994, as YCSB
// does). The keys are scrambled so that popularity says nothing of a
// key's number.
func zipf(items, n int, theta float64, seed uint64) []uint64 {
	r := rand.New(rand.NewPCG(seed, 1))
	zetan := 0.0
	for i := 1; i <= items; i++ {
		zetan += 1 / math.Pow(float64(i), theta)
	}
	zeta2 := 1 + 1/math.Pow(2, theta)
	alpha := 1 / (1 - theta)
	eta := (1 - math.Pow(2/float64(items), 1-theta)) / (1 - zeta2/zetan)
	keys := make([]uint64, n)
	for i := range keys {
		u := r.Float64()
		var k uint64
		switch uz := u * zetan; {
		case uz < 1:
		case uz < zeta2:
			k = 1
		default:
			k = uint64(float64(items) * math.Pow(eta*u-eta+1, alpha))
		}
		keys[i] = scramble(k)
	}
	return keys
}

// withScans returns keys with, after every every requests, a scan of run
// keys that are used once and never again.
func withScans(keys []uint64, every, run int) []uint64 {
	out := make([]uint64, 0, len(keys)+len(keys)/every*run)
	next := uint64(1) << 63
	for i, k := range keys {
		out = append(out, k)
		if (i+1)%every == 0 {
			for range run {
				out = append(out, next)
				next++
			}
		}
	}
	return out
}

// scramble is splitmix64's finaliser: a bijection of uint64.
func scramble(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// distinct returns the number of distinct keys of keys.
func distinct(keys []uint64) int {
	seen := make(map[uint64]struct{}, len(keys)/4)
	for _, k := range keys {
		seen[k] = struct{}{}
	}
	return len(seen)
}
