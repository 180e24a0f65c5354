package leasewait

import (
	"fmt"
	"testing"
)

func BenchmarkReleaseNoWaiters(b *testing.B) {
	s := &fakeStore{}
	b.ReportAllocs()
	for b.Loop() {
		Release(s, "k")
	}
}

// BenchmarkReleaseNoWaitersBusyTable releases a key nobody waits on while
// other keys have waiters in every shard, so Release must look it up.
func BenchmarkReleaseNoWaitersBusyTable(b *testing.B) {
	s := &fakeStore{}
	var dones []func()
	for i := range 4 * shardCount {
		_, done := Wait(s, fmt.Sprint("other", i))
		dones = append(dones, done)
	}
	b.Cleanup(func() {
		for _, done := range dones {
			done()
		}
	})
	b.ReportAllocs()
	for b.Loop() {
		Release(s, "k")
	}
}

func BenchmarkWaitRelease(b *testing.B) {
	s := &fakeStore{}
	b.ReportAllocs()
	for b.Loop() {
		ch, done := Wait(s, "k")
		Release(s, "k")
		<-ch
		done()
	}
}
