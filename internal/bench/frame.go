// Frame benchmarks: entity tasklets stepped once per frame by a
// watchdog.Frame, slice overshoot, and a runaway tasklet cut by the frame's
// budget, beside goroutine baselines.

package bench

import (
	"iter"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

// FrameEntities is the entity count of FrameSteps.
const FrameEntities = 10_000

// step is an entity's fixed work per frame: a few dozen multiply-adds.
func step(x uint64) uint64 {
	for range 32 {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// FrameSteps steps FrameEntities entity tasklets once per frame with a
// watchdog.Frame (1 ms slices, a 100 ms frame budget, hit only when the OS
// takes the CPU away);
// each entity does step's work and yields. Interleaved with it, frame by
// frame, the baseline: FrameEntities goroutines released once per frame by
// a send on each one's channel, each doing the same work, and a
// sync.WaitGroup to wait for them. op = one tasklet frame (the baseline's
// frames are timed apart). It reports ns/step (per entity) for both and
// x-goroutines, the ratio of the two frame times; and cpu-ns/step for both:
// the process's CPU time (every thread: the baseline's goroutines run on
// every P, the tasklets on one thread) per step.
func FrameSteps(b *testing.B) { frameSteps(b, FrameEntities, true) }

// FrameStepsN is FrameSteps over n entities, with the baseline or without
// it. Without it, every instruction the benchmark runs is the library's,
// for callgrind and cachegrind: only ns/step and cpu-ns/step are reported,
// and the frame budget is a minute instead of 100 ms (the same code path),
// so that a frame slowed down 50x still steps every entity. Small n shows
// what a step costs with warm caches, 10,000 what it costs when the
// entities' stacks and records no longer fit in them.
func FrameStepsN(n int, baseline bool) func(*testing.B) {
	return func(b *testing.B) { frameSteps(b, n, baseline) }
}

func frameSteps(b *testing.B, entities int, baseline bool) {
	s := newScheduler(b)
	defer s.Close()
	var sink uint64
	for i := range entities {
		_, err := s.Spawn(func(t *tasklet.Tasklet) {
			x := uint64(i)
			for {
				x = step(x)
				sink += x & 1
				if t.Schedule() != nil {
					return
				}
			}
		})
		must(b, err)
	}
	budget := 100 * time.Millisecond
	if !baseline {
		budget = time.Minute
	}
	f, err := watchdog.NewFrame(s, watchdog.FrameConfig{Budget: budget, Slice: time.Millisecond})
	must(b, err)
	defer f.Close()
	var g *goroutineFrames
	if baseline {
		g = newGoroutineFrames(entities)
		defer g.stop()
	}
	_, err = f.Run() // the first frame starts the coroutines
	must(b, err)
	if g != nil {
		g.frame()
	}
	b.ReportAllocs()
	stepFrames(b, entities, g, func() {
		r, err := f.Run()
		must(b, err)
		if r.Runnable != entities && !r.Late {
			b.Fatalf("frame %d: %d runnable, not %d", r.Frame, r.Runnable, entities)
		}
	})
}

// stepFrames times frame, one frame of the library's n entities, b.N
// times, each followed (with g) by a frame of the goroutine baseline timed
// apart, and reports ns/step and cpu-ns/step, and with g
// goroutine-ns/step, goroutine-cpu-ns/step and x-goroutines.
func stepFrames(b *testing.B, n int, g *goroutineFrames, frame func()) {
	var lib, base, libCPU, baseCPU time.Duration
	b.ResetTimer()
	for range b.N {
		c := cpuTime()
		start := time.Now()
		frame()
		lib += time.Since(start)
		libCPU += cpuTime() - c
		if g == nil {
			continue
		}
		b.StopTimer()
		c = cpuTime()
		start = time.Now()
		g.frame()
		base += time.Since(start)
		baseCPU += cpuTime() - c
		b.StartTimer()
	}
	b.StopTimer()
	steps := float64(b.N) * float64(n)
	b.ReportMetric(float64(lib.Nanoseconds())/steps, "ns/step")
	b.ReportMetric(float64(libCPU.Nanoseconds())/steps, "cpu-ns/step")
	if g != nil {
		b.ReportMetric(float64(base.Nanoseconds())/steps, "goroutine-ns/step")
		b.ReportMetric(float64(baseCPU.Nanoseconds())/steps, "goroutine-cpu-ns/step")
		b.ReportMetric(float64(lib)/float64(base), "x-goroutines")
	}
}

// FramePullFloor is the floor of FrameSteps by design: n bare iter.Pull
// coroutines (what a tasklet runs on), each doing step's work and yielding,
// resumed once per frame in turn by a plain loop: no scheduler, no budget,
// two coroutine switches per step, as a stepped tasklet takes. With
// baseline, interleaved with FrameSteps' goroutine baseline over n
// goroutines. op = one frame. It reports ns/step and cpu-ns/step, and with
// the baseline goroutine-ns/step, goroutine-cpu-ns/step and x-goroutines,
// as FrameSteps does.
func FramePullFloor(n int, baseline bool) func(*testing.B) {
	return func(b *testing.B) {
		nexts := make([]func() (struct{}, bool), n)
		var sink uint64
		for i := range n {
			next, stop := iter.Pull(func(yield func(struct{}) bool) {
				x := uint64(i)
				for {
					x = step(x)
					sink += x & 1
					if !yield(struct{}{}) {
						return
					}
				}
			})
			defer stop()
			nexts[i] = next
		}
		var g *goroutineFrames
		if baseline {
			g = newGoroutineFrames(n)
			defer g.stop()
		}
		frame := func() {
			for _, next := range nexts {
				next()
			}
		}
		frame()
		if g != nil {
			g.frame()
		}
		stepFrames(b, n, g, frame)
	}
}

// goroutineFrames is FrameSteps' baseline: n goroutines stepped once per frame,
// each released by a send on its own channel.
type goroutineFrames struct {
	start []chan struct{} // closed to stop
	wg    sync.WaitGroup
	done  sync.WaitGroup
	sink  []uint64
}

func newGoroutineFrames(n int) *goroutineFrames {
	g := &goroutineFrames{start: make([]chan struct{}, n), sink: make([]uint64, n)}
	g.done.Add(n)
	for i := range n {
		g.start[i] = make(chan struct{}, 1)
		go func() {
			defer g.done.Done()
			x := uint64(i)
			for range g.start[i] {
				x = step(x)
				g.sink[i] += x & 1
				g.wg.Done()
			}
		}()
	}
	return g
}

// frame releases every goroutine once and waits until all have stepped.
func (g *goroutineFrames) frame() {
	g.wg.Add(len(g.start))
	for _, c := range g.start {
		c <- struct{}{}
	}
	g.wg.Wait()
}

func (g *goroutineFrames) stop() {
	for _, c := range g.start {
		close(c)
	}
	g.done.Wait()
}

// SliceOvershoot runs one CPU-bound tasklet calling Tick in a tight loop
// under 1 ms slices, with the reinsert idiom; op = one slice. It reports
// p50-overshoot and p99-overshoot: how long Run took past the slice, as a
// fraction of the slice (the switch into the tasklet and back included).
// On a loaded machine the OS takes the CPU away for milliseconds at a time:
// on Linux the driver is locked to its thread, and p99-overshoot-unpreempted
// is the p99 over the slices during which the thread was not preempted
// (preempted-frac: the fraction that were).
func SliceOvershoot(b *testing.B) {
	const slice = time.Millisecond
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := newScheduler(b)
	defer s.Close()
	var stop bool
	_, err := s.Spawn(func(t *tasklet.Tasklet) {
		for !stop {
			t.Tick()
		}
	})
	must(b, err)
	over := make([]time.Duration, 0, b.N)
	var calm []time.Duration // slices the OS did not preempt
	b.ResetTimer()
	for range b.N {
		pre := threadPreemptions()
		start := time.Now()
		victim, err := s.Run(scheduler.TimeBudget(slice))
		d := time.Since(start) - slice
		over = append(over, d)
		if pre >= 0 && threadPreemptions() == pre {
			calm = append(calm, d)
		}
		must(b, err)
		if victim == nil {
			b.Fatal("not interrupted")
		}
		must(b, victim.Insert())
	}
	b.StopTimer()
	stop = true
	_, err = s.Run()
	must(b, err)
	frac := func(xs []time.Duration, p float64) float64 {
		slices.Sort(xs)
		return float64(xs[int(p*float64(len(xs)-1))]) / float64(slice)
	}
	b.ReportMetric(frac(over, 0.50), "p50-overshoot")
	b.ReportMetric(frac(over, 0.99), "p99-overshoot")
	if len(calm) > 0 {
		b.ReportMetric(frac(calm, 0.99), "p99-overshoot-unpreempted")
		b.ReportMetric(1-float64(len(calm))/float64(len(over)), "preempted-frac")
	}
}

// FrameRunaway runs frames of a 16 ms budget over 1,000 entity tasklets that
// each compute about 20 µs per step (ticking), so that every frame is cut by
// its deadline, and one runaway that never yields, interrupted at every 2 ms
// slice and never killed. op = one frame. It reports the frame time's p50,
// p99 and max as fractions of the budget (p50-budget, p99-budget,
// max-budget).
func FrameRunaway(b *testing.B) {
	const (
		budget   = 16 * time.Millisecond
		entities = 1000
	)
	s := newScheduler(b)
	defer s.Close()
	const work = 20 * time.Microsecond
	for i := range entities {
		_, err := s.Spawn(func(t *tasklet.Tasklet) {
			for {
				for end := time.Now().Add(work); time.Now().Before(end); {
					t.Tick()
				}
				if t.Schedule() != nil {
					return
				}
			}
		})
		must(b, err)
		if i == entities/2 {
			_, err := s.SpawnNamed("runaway", func(t *tasklet.Tasklet) {
				for {
					t.Tick()
				}
			})
			must(b, err)
		}
	}
	f, err := watchdog.NewFrame(s, watchdog.FrameConfig{Budget: budget, Slice: 2 * time.Millisecond})
	must(b, err)
	defer f.Close()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		r, err := f.Run()
		must(b, err)
		times = append(times, r.Elapsed)
	}
	b.StopTimer()
	slices.Sort(times)
	frac := func(p float64) float64 { return float64(times[int(p*float64(len(times)-1))]) / float64(budget) }
	b.ReportMetric(frac(0.50), "p50-budget")
	b.ReportMetric(frac(0.99), "p99-budget")
	b.ReportMetric(frac(1), "max-budget")
}
