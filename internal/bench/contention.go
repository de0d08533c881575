// Contention benchmarks: a producer and a consumer on two locked OS threads
// handing items over through a Condition or a Lock, beside the goroutine
// baseline.

package bench

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Seed-style contention: a producer and a consumer on two locked OS
// threads hand items over, synchronised with a Condition (wait and notify)
// or with a Lock alone (the consumer polls the slot, yielding between
// polls), alone on their threads or with a CPU-bound tasklet beside each
// of them. op = one transaction (an item handed over and acknowledged); the
// rows report transactions per second (TxPerSec) and CPU per op.

// TxPerSec is the metric of transactions per second.
const TxPerSec = "tx/s"

// cpuChunk is the work a CPU-bound tasklet or goroutine does between two
// yields: about a microsecond.
func cpuChunk(x uint64) uint64 {
	for i := 0; i < 300; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// cpuSink keeps cpuChunk's result alive.
var cpuSink atomic.Uint64

// produceLock and consumeLock run the handover over a Lock alone: each side
// polls the slot under the lock and yields (Schedule) when it is not its
// turn.
func produceLock(t *tasklet.Tasklet, l *locks.Lock, h *handover, n int) {
	for i := 0; i < n; {
		_ = l.Acquire(t)
		if !h.full {
			h.item, h.full = i, true
			i++
		}
		_ = l.Release(t)
		_ = t.Schedule()
	}
}

func consumeLock(b *testing.B, t *tasklet.Tasklet, l *locks.Lock, h *handover, n int) {
	for i := 0; i < n; {
		_ = l.Acquire(t)
		if h.full {
			if h.item != i {
				b.Errorf("got item %d, want %d", h.item, i)
			}
			h.full = false
			i++
		}
		_ = l.Release(t)
		_ = t.Schedule()
	}
}

// Contention returns the benchmark of one producer/consumer pair on two
// locked threads, synchronised with a Condition (cond) or a Lock, with a
// CPU-bound tasklet beside each when busy. Baseline: ContentionGoroutines.
func Contention(cond, busy bool) func(b *testing.B) {
	return func(b *testing.B) {
		n := b.N
		var h handover
		c := locks.NewCondition(&locks.Lock{})
		var l locks.Lock
		var stop atomic.Bool
		b.ReportAllocs()
		b.ResetTimer()
		cpu, begin := cpuTime(), time.Now()
		g, err := scheduler.StartThreads(2, func(i int, s *scheduler.Scheduler) error {
			if _, err := s.Spawn(func(t *tasklet.Tasklet) {
				switch {
				case cond && i == 0:
					produceCond(t, c, &h, n)
				case cond:
					consumeCond(b, t, c, &h, n)
				case i == 0:
					produceLock(t, &l, &h, n)
				default:
					consumeLock(b, t, &l, &h, n)
				}
				stop.Store(true)
			}); err != nil {
				return err
			}
			if !busy {
				return nil
			}
			_, err := s.Spawn(func(t *tasklet.Tasklet) {
				x := uint64(i)
				for !stop.Load() {
					x = cpuChunk(x)
					_ = t.Schedule()
				}
				cpuSink.Store(x)
			})
			return err
		})
		must(b, err)
		must(b, g.Wait())
		elapsed := time.Since(begin)
		b.StopTimer()
		reportCPU(b, cpu)
		b.ReportMetric(float64(n)/elapsed.Seconds(), TxPerSec)
	}
}

// ContentionGoroutines is Contention's baseline: the same handover between
// two goroutines locked to OS threads, with sync.Cond (cond) or a
// sync.Mutex polled with runtime.Gosched between polls, with a CPU-bound
// goroutine (yielding with Gosched) per thread when busy.
func ContentionGoroutines(cond, busy bool) func(b *testing.B) {
	return func(b *testing.B) {
		n := b.N
		var h handover
		var mu sync.Mutex
		cv := sync.NewCond(&mu)
		var stop atomic.Bool
		var busyWG sync.WaitGroup
		b.ReportAllocs()
		b.ResetTimer()
		cpu, begin := cpuTime(), time.Now()
		if busy {
			for i := range 2 {
				busyWG.Add(1)
				go func() {
					defer busyWG.Done()
					x := uint64(i)
					for !stop.Load() {
						x = cpuChunk(x)
						runtime.Gosched()
					}
					cpuSink.Store(x)
				}()
			}
		}
		produce := func() {
			mu.Lock()
			for i := 0; i < n; {
				if !cond {
					if !h.full {
						h.item, h.full = i, true
						i++
					}
					mu.Unlock()
					runtime.Gosched()
					mu.Lock()
					continue
				}
				for h.full {
					cv.Wait()
				}
				h.item, h.full = i, true
				i++
				cv.Signal()
			}
			for cond && h.full {
				cv.Wait()
			}
			mu.Unlock()
		}
		consume := func() {
			mu.Lock()
			for i := 0; i < n; {
				if !cond {
					if h.full {
						h.full = false
						i++
					}
					mu.Unlock()
					runtime.Gosched()
					mu.Lock()
					continue
				}
				for !h.full {
					cv.Wait()
				}
				if h.item != i {
					b.Errorf("got item %d, want %d", h.item, i)
				}
				h.full = false
				i++
				cv.Signal()
			}
			mu.Unlock()
		}
		lockedGo(produce, consume)
		elapsed := time.Since(begin)
		stop.Store(true)
		busyWG.Wait()
		b.StopTimer()
		reportCPU(b, cpu)
		b.ReportMetric(float64(n)/elapsed.Seconds(), TxPerSec)
	}
}
