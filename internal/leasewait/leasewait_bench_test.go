package leasewait

import (
	"fmt"
	"testing"
)

func BenchmarkWakeNoWaiters(b *testing.B) {
	s := new(Table)
	b.ReportAllocs()
	for b.Loop() {
		s.Wake("k")
	}
}

// BenchmarkWakeNoWaitersBusyTable releases a key nobody waits on while
// other keys have waiters in every shard, so Release must look it up.
func BenchmarkWakeNoWaitersBusyTable(b *testing.B) {
	s := new(Table)
	var dones []func()
	for i := range 4 * shardCount {
		_, done := s.Wait(fmt.Sprint("other", i))
		dones = append(dones, done)
	}
	b.Cleanup(func() {
		for _, done := range dones {
			done()
		}
	})
	b.ReportAllocs()
	for b.Loop() {
		s.Wake("k")
	}
}

func BenchmarkWaitWake(b *testing.B) {
	s := new(Table)
	b.ReportAllocs()
	for b.Loop() {
		ch, done := s.Wait("k")
		s.Wake("k")
		<-ch
		done()
	}
}
