// Thread benchmarks: schedulers on locked OS threads, against Go channels and
// sync.Cond between locked goroutines, and upcalls from plain goroutines.

package bench

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Thread rows: schedulers on goroutines locked to OS threads of their own
// (scheduler.StartThreads), against Go channels and sync.Cond between
// locked goroutines, and upcalls from goroutines that are not tasklets.
// The locked rows report the CPU the whole process burnt per op
// (CPUPerOp), besides the wall time: a sleeper that spins instead of
// sleeping trades CPU for latency, and the trade must be seen.

// CPUPerOp is the metric of the process CPU time per op, in ns.
const CPUPerOp = "cpu-ns/op"

// reportCPU reports the CPU time used since start per op.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(max(b.N, 1)), CPUPerOp)
}

// OutsideUpcall: a fresh goroutine that is not a tasklet hands one value
// to a tasklet waiting on another scheduler with channel.SendOutside (no
// scheduler of its own); op = one such upcall, goroutine creation
// included. Baseline: GoroutineUpcall.
func OutsideUpcall(b *testing.B) {
	s := newScheduler(b)
	defer s.Close()
	ch := channel.New[int]()
	n := b.N
	_, err := s.Spawn(func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			if _, err := ch.Receive(t); err != nil {
				panic(err)
			}
		}
	})
	must(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	must(b, s.Go(func() { // the upcalls come from here: a declared waker
		ctx := context.Background()
		for i := 0; i < n; i++ {
			up := make(chan struct{})
			go func() {
				defer close(up)
				if err := ch.SendOutside(ctx, i); err != nil {
					panic(err)
				}
			}()
			<-up
		}
	}))
	_, err = s.Run(scheduler.ThreadBlock())
	b.StopTimer()
	must(b, err)
}

// LockedPingPong: a tasklet on each of two schedulers, each on a locked OS
// thread, hand a value back and forth over unbuffered channels; op = one
// round trip. Baseline: LockedPingPongGoroutines.
func LockedPingPong(b *testing.B) {
	ping, pong := channel.New[int](), channel.New[int]()
	n := b.N
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	g, err := scheduler.StartThreads(2, func(i int, s *scheduler.Scheduler) error {
		_, err := s.Spawn(func(t *tasklet.Tasklet) {
			for j := 0; j < n; j++ {
				if i == 0 {
					_ = ping.Send(t, j)
					_, _ = pong.Receive(t)
				} else {
					v, _ := ping.Receive(t)
					_ = pong.Send(t, v+1)
				}
			}
		})
		return err
	})
	must(b, err)
	must(b, g.Wait())
	b.StopTimer()
	reportCPU(b, cpu)
}

// lockedGo runs bodies on goroutines locked to OS threads of their own and
// waits for them.
func lockedGo(bodies ...func()) {
	var wg sync.WaitGroup
	for _, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			body()
		}()
	}
	wg.Wait()
}

// LockedPingPongGoroutines is LockedPingPong's baseline: two goroutines,
// each locked to an OS thread, over unbuffered Go channels.
func LockedPingPongGoroutines(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	n := b.N
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	lockedGo(func() {
		for i := 0; i < n; i++ {
			ping <- i
			<-pong
		}
	}, func() {
		for i := 0; i < n; i++ {
			pong <- 1 + <-ping
		}
	})
	b.StopTimer()
	reportCPU(b, cpu)
}

// LockedConditionProdCon is ConditionProdCon with the producer and the
// consumer tasklets on two schedulers, each on a locked OS thread; op =
// one item handed over and acknowledged. Baseline: LockedSyncCondProdCon.
func LockedConditionProdCon(b *testing.B) {
	c := locks.NewCondition(&locks.Lock{})
	var h handover
	n := b.N
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	g, err := scheduler.StartThreads(2, func(i int, s *scheduler.Scheduler) error {
		_, err := s.Spawn(func(t *tasklet.Tasklet) {
			if i == 0 {
				produceCond(t, c, &h, n)
			} else {
				consumeCond(b, t, c, &h, n)
			}
		})
		return err
	})
	must(b, err)
	must(b, g.Wait())
	b.StopTimer()
	reportCPU(b, cpu)
}

// LockedSyncCondProdCon is SyncCondProdCon between two goroutines each
// locked to an OS thread.
func LockedSyncCondProdCon(b *testing.B) {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	var h handover
	n := b.N
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	lockedGo(func() { produceSyncCond(c, &h, n) }, func() { consumeSyncCond(b, c, &h, n) })
	b.StopTimer()
	reportCPU(b, cpu)
}
