package scheduler_test

import (
	"iter"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// BenchmarkSchedule: two tasklets calling Schedule in turn; op = one
// Schedule call. Baseline: BenchmarkPullRoundTrip.
func BenchmarkSchedule(b *testing.B) {
	s, err := scheduler.New()
	require.NoError(b, err)
	defer s.Close()
	n := b.N / 2
	body := func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			t.Schedule()
		}
	}
	s.Spawn(body)
	s.Spawn(body)
	b.ReportAllocs()
	b.ResetTimer()
	_, err = s.Run()
	b.StopTimer()
	require.NoError(b, err)
}

// BenchmarkPullRoundTrip is the floor for a switch: one iter.Pull next/yield
// round trip.
func BenchmarkPullRoundTrip(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; ; i++ {
			if !yield(i) {
				return
			}
		}
	})
	defer stop()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next()
	}
}

// BenchmarkSpawn: spawn an empty tasklet and run it to its end; op = one
// tasklet. Baseline: BenchmarkGoWaitGroup.
func BenchmarkSpawn(b *testing.B) {
	s, err := scheduler.New()
	require.NoError(b, err)
	defer s.Close()
	main := s.Main()
	empty := func(*tasklet.Tasklet) {}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Spawn(empty); err != nil {
			b.Fatal(err)
		}
		if err := main.Schedule(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoWaitGroup is BenchmarkSpawn's baseline: go f() plus a
// WaitGroup wait.
func BenchmarkGoWaitGroup(b *testing.B) {
	var wg sync.WaitGroup
	empty := func() { wg.Done() }
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go empty()
		wg.Wait()
	}
}

const parked = 100_000

// warmGoroutines creates and ends more goroutines than either parked
// benchmark needs, once, so that both draw their goroutine records from the
// runtime's free list: otherwise whichever runs second reuses the records
// the first one freed and looks smaller.
var warmGoroutines = sync.OnceFunc(func() {
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range parked + parked/10 {
		wg.Add(1)
		go func() { defer wg.Done(); <-release }()
	}
	close(release)
	wg.Wait()
})

// inUse returns the stack and heap in use after a GC.
func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.StackInuse + ms.HeapInuse
}

// BenchmarkParkedTasklet: 100k tasklets paused at once (schedule-removed);
// reports B/tasklet, the growth of stack+heap in use divided by the count.
// Baseline: BenchmarkParkedPull.
func BenchmarkParkedTasklet(b *testing.B) {
	warmGoroutines()
	var per float64
	for i := 0; i < b.N; i++ {
		s, err := scheduler.New()
		require.NoError(b, err)
		before := inUse()
		for j := 0; j < parked; j++ {
			if _, err := s.Spawn(func(t *tasklet.Tasklet) { _, _ = t.ScheduleRemove() }); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Run(); err != nil {
			b.Fatal(err)
		}
		per = float64(inUse()-before) / parked
		b.StopTimer()
		require.NoError(b, s.Close())
		b.StartTimer()
	}
	b.ReportMetric(per, "B/tasklet")
}

// BenchmarkParkedPull is BenchmarkParkedTasklet's baseline: 100k iter.Pull
// coroutines suspended at a yield.
func BenchmarkParkedPull(b *testing.B) {
	warmGoroutines()
	var per float64
	for i := 0; i < b.N; i++ {
		before := inUse()
		stops := make([]func(), parked)
		for j := range stops {
			next, stop := iter.Pull(func(yield func(int) bool) { yield(1); yield(2) })
			next()
			stops[j] = stop
		}
		per = float64(inUse()-before) / parked
		b.StopTimer()
		for _, stop := range stops {
			stop()
		}
		b.StartTimer()
	}
	b.ReportMetric(per, "B/tasklet")
}
