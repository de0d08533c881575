// Switch benchmarks: Schedule, Tick, Spawn and parked tasklets, beside the
// iter.Pull round trip, sync.Mutex and goroutines; and the helpers that
// time one Run.

package bench

import (
	"iter"
	"runtime"
	"sync"
	"testing"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// timeRun spawns bodies, in order, on a fresh scheduler and times one Run
// of them: the shape of every single-scheduler benchmark here.
func timeRun(b *testing.B, bodies ...func(*tasklet.Tasklet)) {
	s := newScheduler(b)
	defer s.Close()
	for _, body := range bodies {
		_, err := s.Spawn(body)
		must(b, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	_, err := s.Run()
	b.StopTimer()
	must(b, err)
}

func newScheduler(b *testing.B) *scheduler.Scheduler {
	s, err := scheduler.New()
	must(b, err)
	return s
}

// Schedule: two tasklets calling Schedule in turn; op = one Schedule call.
func Schedule(b *testing.B) {
	n := b.N / 2
	body := func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			_ = t.Schedule()
		}
	}
	timeRun(b, body, body)
}

// PullRoundTrip is the floor for a switch: one iter.Pull next/yield round trip.
func PullRoundTrip(b *testing.B) {
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

// Tick: op = one Tick with no interrupt due.
func Tick(b *testing.B) {
	n := b.N
	timeRun(b, func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			t.Tick()
		}
	})
}

// MutexLockUnlock: an uncontended sync.Mutex Lock+Unlock.
func MutexLockUnlock(b *testing.B) {
	var mu sync.Mutex
	for i := 0; i < b.N; i++ {
		mu.Lock()
		mu.Unlock() //nolint:staticcheck // the empty critical section is what is measured
	}
}

// Spawn: spawn an empty tasklet and run it to its end; op = one tasklet.
func Spawn(b *testing.B) {
	s := newScheduler(b)
	defer s.Close()
	main := s.Main()
	empty := func(*tasklet.Tasklet) {}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Spawn(empty); err != nil {
			b.Fatal(err)
		}
		must(b, main.Schedule())
	}
}

// GoWaitGroup: go f() plus a WaitGroup wait.
func GoWaitGroup(b *testing.B) {
	var wg sync.WaitGroup
	done := func() { wg.Done() }
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go done()
		wg.Wait()
	}
}

// Parked is the number of tasklets (or coroutines) ParkedTasklet and
// ParkedPull suspend at once.
const Parked = 100_000

// warmGoroutines creates and ends more goroutines than either parked
// benchmark needs, once, so that both draw their goroutine records from the
// runtime's free list: otherwise whichever runs second reuses the records
// the first one freed and looks smaller.
var warmGoroutines = sync.OnceFunc(func() {
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range Parked + Parked/10 {
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

// ParkedTasklet: 100k tasklets paused at once (schedule-removed); reports
// B/tasklet, the growth of stack+heap in use divided by the count.
func ParkedTasklet(b *testing.B) {
	warmGoroutines()
	var per float64
	for i := 0; i < b.N; i++ {
		s := newScheduler(b)
		before := inUse()
		for j := 0; j < Parked; j++ {
			if _, err := s.Spawn(func(t *tasklet.Tasklet) { _, _ = t.ScheduleRemove() }); err != nil {
				b.Fatal(err)
			}
		}
		_, err := s.Run()
		must(b, err)
		per = float64(inUse()-before) / Parked
		b.StopTimer()
		must(b, s.Close())
		b.StartTimer()
	}
	b.ReportMetric(per, "B/tasklet")
}

// ParkedPull: 100k iter.Pull coroutines suspended at a yield, measured the
// same way.
func ParkedPull(b *testing.B) {
	warmGoroutines()
	var per float64
	for i := 0; i < b.N; i++ {
		before := inUse()
		stops := make([]func(), Parked)
		for j := range stops {
			next, stop := iter.Pull(func(yield func(int) bool) { yield(1); yield(2) })
			next()
			stops[j] = stop
		}
		per = float64(inUse()-before) / Parked
		b.StopTimer()
		for _, stop := range stops {
			stop()
		}
		b.StartTimer()
	}
	b.ReportMetric(per, "B/tasklet")
}
