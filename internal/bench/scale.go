// Scale benchmarks: how costs grow with the number of tasklets (spawn and
// park, close, sleep and wake, a receive with a timeout, game frames),
// beside goroutines and bare coroutines.

package bench

import (
	"fmt"
	"iter"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// How costs grow with the number of tasklets: each Scale function below
// measures one operation done by n tasklets at once (or by n goroutines, or
// on n bare coroutines, for the baselines) and returns the time per tasklet.
// The time is the CPU time the process used (user plus system, garbage
// collection included), not the wall time: on a shared machine the wall
// time mostly measures the neighbours, and the sleeping rows would measure
// the sleep. They are one-shot measurements, not testing.B loops: at a
// million tasklets one round takes seconds. ScaleBench wraps them for go
// test -bench.

// ScaleSizes are the tasklet counts of the "How costs grow" table.
var ScaleSizes = []int{1_000, 10_000, 100_000, 1_000_000}

// A ScaleRow is one operation of the table, measured for the library and
// for its baseline (Base nil: no baseline).
type ScaleRow struct {
	Key, Name, Baseline string // Key names it in benchmark names
	Lib, Base           func(n int) (time.Duration, error)
}

// ScaleRows lists the table's rows.
func ScaleRows() []ScaleRow {
	return []ScaleRow{
		{"SpawnPark", "spawn a tasklet that parks on a channel (cold)", "go + park on a Go channel", SpawnParkScale, GoSpawnParkScale},
		{"PullCreate", "  (baseline) cold iter.Pull create + first resume", "", PullCreateScale, nil},
		{"SpawnParkFloor", "  (baseline) the same, blocking in a body: the floor", "", SpawnParkFloor, nil},
		{"Close", "Close with n tasklets parked on one channel", "", CloseScale, nil},
		{"SleepWake", "n sleepers with the same deadline, woken together", "goroutines in time.Sleep", SleepWakeScale, GoSleepScale},
		{"ReceiveTimeout", "n receivers whose ReceiveTimeout runs out together", "goroutines in select with a timer", ReceiveTimeoutScale, GoReceiveTimeoutScale},
	}
}

// settle collects the garbage of the previous measurement so that it is
// not charged to the next one.
func settle() {
	runtime.GC()
	runtime.GC()
}

func per(d time.Duration, n int) time.Duration { return d / time.Duration(max(n, 1)) }

// SpawnParkScale spawns n tasklets on a fresh scheduler (no coroutine to
// reuse: every one is cold) that each receive on one channel, and times
// Spawn plus the Run in which they all park.
func SpawnParkScale(n int) (time.Duration, error) {
	d, _, err := parked(n, false)
	return d, err
}

// CloseScale parks n tasklets on one channel, as SpawnParkScale, and times
// the scheduler's Close, which kills them all; it fails unless every
// tasklet's deferred cleanup ran.
func CloseScale(n int) (time.Duration, error) {
	_, d, err := parked(n, true)
	return d, err
}

// closeFigure is the wall time of the last Close that CloseScale measured.
type closeFigure struct {
	n    int
	wall time.Duration
}

var lastClose atomic.Value

// LastCloseWall returns the tasklet count and the wall time of the last
// Close that CloseScale measured (every cleanup ran, or it failed).
func LastCloseWall() (int, time.Duration) {
	f, _ := lastClose.Load().(closeFigure)
	return f.n, f.wall
}

func parked(n int, timeClose bool) (spawn, closing time.Duration, err error) {
	settle()
	s, err := scheduler.New()
	if err != nil {
		return 0, 0, err
	}
	ch := channel.New[int]()
	var cleanups atomic.Int64
	body := func(t *tasklet.Tasklet) {
		defer cleanups.Inc()
		_, _ = ch.Receive(t)
	}
	win := openWindow()
	start := cpuTime()
	for range n {
		if _, err := s.Spawn(body); err != nil {
			return 0, 0, err
		}
	}
	if _, err := s.Run(); err != nil {
		return 0, 0, err
	}
	spawn = cpuTime() - start
	if !timeClose {
		win.close(n)
	}
	if ch.Balance() != -n {
		return 0, 0, fmt.Errorf("bench: %d tasklets parked, want %d", -ch.Balance(), n)
	}
	if keepParked != nil && !timeClose {
		keepParked(func() { _ = s.Close() })
		return per(spawn, n), 0, nil
	}
	if timeClose {
		settle()
	}
	start, wall := cpuTime(), time.Now()
	err = s.Close()
	closing = cpuTime() - start
	if timeClose {
		lastClose.Store(closeFigure{n, time.Since(wall)})
	}
	if err == nil && cleanups.Load() != int64(n) {
		err = fmt.Errorf("bench: Close ran %d cleanups of %d", cleanups.Load(), n)
	}
	return per(spawn, n), per(closing, n), err
}

// GoSpawnParkScale is SpawnParkScale's baseline: n goroutines that each
// receive on one Go channel.
func GoSpawnParkScale(n int) (time.Duration, error) {
	settle()
	ch := make(chan int)
	var started, done sync.WaitGroup
	start := cpuTime()
	for range n {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			<-ch
		}()
	}
	started.Wait()
	d := cpuTime() - start
	close(ch)
	done.Wait()
	return per(d, n), nil
}

// PullCreateScale is the coroutine underneath a tasklet: n iter.Pull
// coroutines created and resumed once, to their first yield.
func PullCreateScale(n int) (time.Duration, error) {
	settle()
	d, teardown := pullEach(n, func(yield func(int) bool) { yield(1) })
	if keepParked != nil {
		keepParked(teardown)
		return per(d, n), nil
	}
	teardown()
	return per(d, n), nil
}

// pullEach creates n iter.Pull coroutines over seq and resumes each once,
// to its first yield: the timed part of PullCreateScale and SpawnParkFloor,
// in a measurement window (openWindow). It returns the CPU time that took
// and a teardown that stops every coroutine; the slice of stop functions
// and the teardown are allocated outside the window.
func pullEach(n int, seq iter.Seq[int]) (time.Duration, func()) {
	stops := make([]func(), n)
	win := openWindow()
	start := cpuTime()
	for i := range stops {
		next, stop := iter.Pull(seq)
		next()
		stops[i] = stop
	}
	d := cpuTime() - start
	win.close(n)
	return d, func() {
		for _, stop := range stops {
			stop()
		}
	}
}

// floorWaiter is SpawnParkFloor's wait-queue node: what any blocking
// tasklet must allocate to be found by its partner.
type floorWaiter struct {
	next  *floorWaiter
	yield func(int) bool
	val   int
}

// floorQueue is SpawnParkFloor's wait queue.
type floorQueue struct{ first, last *floorWaiter }

// floorBlock is the floor's blocking step: it queues one new waiter and
// suspends the coroutine.
//
//go:noinline
func floorBlock(q *floorQueue, yield func(int) bool) int {
	w := &floorWaiter{yield: yield}
	if q.last == nil {
		q.first = w
	} else {
		q.last.next = w
	}
	q.last = w
	yield(0)
	return w.val
}

// floorBody is the floor's user body: a deferred cleanup, then a block.
//
//go:noinline
func floorBody(q *floorQueue, yield func(int) bool, cleanups *int) {
	defer func() { *cleanups++ }()
	floorBlock(q, yield)
}

// SpawnParkFloor is the least any blocking tasklet costs: n iter.Pull
// coroutines created and resumed once, each running a user body (not
// inlined, with a deferred cleanup) that calls a blocking step (not
// inlined) that queues one newly allocated waiter and yields. Spawn plus
// park (SpawnParkScale) does that and keeps the scheduler's books.
func SpawnParkFloor(n int) (time.Duration, error) {
	settle()
	var q floorQueue
	cleanups := 0
	d, teardown := pullEach(n, func(yield func(int) bool) { floorBody(&q, yield, &cleanups) })
	if keepParked != nil {
		keepParked(teardown)
		return per(d, n), nil
	}
	parked := 0
	for w := q.first; w != nil; w = w.next {
		parked++
	}
	teardown()
	if parked != n || cleanups != n {
		return 0, fmt.Errorf("bench: floor parked %d and cleaned up %d of %d", parked, cleanups, n)
	}
	return per(d, n), nil
}

// deadlineFor gives n waiters one deadline far enough ahead that all of
// them are waiting before it passes (a generous allowance per waiter).
func deadlineFor(n int) time.Time {
	return time.Now().Add(20*time.Millisecond + time.Duration(n)*3*time.Microsecond)
}

// pausedScale starts n tasklets that pause at once (ScheduleRemove) and
// then run wait(t, deadline); it inserts them all and measures the Run (in
// thread-block mode) until every one has ended: the cost of n waiters
// that start waiting and whose deadline passes together.
func pausedScale(n int, wait func(t *tasklet.Tasklet, deadline time.Time) error) (time.Duration, error) {
	settle()
	s, err := scheduler.New()
	if err != nil {
		return 0, err
	}
	defer func() { _ = s.Close() }()
	var deadline time.Time
	var failed atomic.Error
	ts := make([]*tasklet.Tasklet, n)
	for i := range ts {
		ts[i], err = s.Spawn(func(t *tasklet.Tasklet) {
			if _, err := t.ScheduleRemove(); err != nil {
				failed.Store(err)
				return
			}
			if err := wait(t, deadline); err != nil {
				failed.Store(err)
			}
		})
		if err != nil {
			return 0, err
		}
	}
	if _, err := s.Run(); err != nil {
		return 0, err
	}
	start := cpuTime()
	deadline = deadlineFor(n)
	for _, t := range ts {
		if err := t.Insert(); err != nil {
			return 0, err
		}
	}
	if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
		return 0, err
	}
	d := cpuTime() - start
	if err := failed.Load(); err != nil {
		return 0, err
	}
	if s.Len() != 0 {
		return 0, fmt.Errorf("bench: %d tasklets still alive", s.Len())
	}
	return per(d, n), nil
}

// goScale is pausedScale's baseline: n goroutines blocked on a gate are
// released at once and run wait(deadline).
func goScale(n int, wait func(deadline time.Time)) (time.Duration, error) {
	settle()
	gate := make(chan struct{})
	var started, done sync.WaitGroup
	var deadline time.Time
	for range n {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			<-gate
			wait(deadline)
		}()
	}
	started.Wait()
	start := cpuTime()
	deadline = deadlineFor(n)
	close(gate)
	done.Wait()
	return per(cpuTime()-start, n), nil
}

// SleepWakeScale: n tasklets Sleep until one deadline and end.
func SleepWakeScale(n int) (time.Duration, error) {
	return pausedScale(n, func(t *tasklet.Tasklet, deadline time.Time) error {
		return t.Sleep(time.Until(deadline))
	})
}

// GoSleepScale: n goroutines time.Sleep until one deadline and end.
func GoSleepScale(n int) (time.Duration, error) {
	return goScale(n, func(deadline time.Time) { time.Sleep(time.Until(deadline)) })
}

// ReceiveTimeoutScale: n tasklets receive on one channel that nobody sends
// on, with timeouts that run out at one deadline.
func ReceiveTimeoutScale(n int) (time.Duration, error) {
	ch := channel.New[int]()
	return pausedScale(n, func(t *tasklet.Tasklet, deadline time.Time) error {
		_, err := ch.ReceiveTimeout(t, max(time.Until(deadline), 0)) // < 0 would wait forever
		if err == tasklet.ErrTimeout {
			return nil
		}
		return fmt.Errorf("bench: ReceiveTimeout returned %v", err)
	})
}

// GoReceiveTimeoutScale: n goroutines select on one Go channel and a timer.
func GoReceiveTimeoutScale(n int) (time.Duration, error) {
	ch := make(chan int)
	return goScale(n, func(deadline time.Time) {
		tm := time.NewTimer(time.Until(deadline))
		select {
		case <-ch:
		case <-tm.C:
		}
		tm.Stop()
	})
}

// Frame is the game idiom's frame time (60 Hz).
const Frame = 16 * time.Millisecond

// GameFigures are the measurements of one run of the game idiom.
type GameFigures struct {
	// Overrun is the mean frame overrun: how late, on average, an entity
	// wakes after its frame's deadline (measured by every eighth entity;
	// the first frame, which starts them all at once, is not counted).
	Overrun time.Duration
	// CPU is the process's CPU time (user plus system) per entity-frame
	// over the whole run.
	CPU time.Duration
}

// gameWork is an entity's work in one frame.
func gameWork(x float64) float64 {
	for k := range 20 { // a little work
		x = x*1.0001 + float64(k)
	}
	return x
}

// GameFrames runs the game idiom: entities tasklets that each do a little
// work and then Sleep(Frame) until the next frame, frames times, under
// Run(ThreadBlock()). Its baseline is GameFloor.
func GameFrames(entities, frames int) (GameFigures, error) {
	settle()
	s, err := scheduler.New()
	if err != nil {
		return GameFigures{}, err
	}
	defer func() { _ = s.Close() }()
	var late time.Duration
	wakes := 0
	var failed error
	for i := range entities {
		if _, err := s.Spawn(func(t *tasklet.Tasklet) {
			x := float64(i)
			for f := range frames {
				x = gameWork(x)
				sink = x
				if i%8 != 0 { // a sample of the entities measures
					if err := t.Sleep(Frame); err != nil {
						failed = err
						return
					}
					continue
				}
				due := time.Now().Add(Frame)
				if err := t.Sleep(Frame); err != nil {
					failed = err
					return
				}
				if f > 0 {
					late += time.Since(due)
					wakes++
				}
			}
		}); err != nil {
			return GameFigures{}, err
		}
	}
	start := cpuTime()
	if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
		return GameFigures{}, err
	}
	cpu := cpuTime() - start
	if failed != nil {
		return GameFigures{}, failed
	}
	return GameFigures{late / time.Duration(max(wakes, 1)), per(cpu, entities*frames)}, nil
}

// GameFloor is GameFrames' floor: the same entities, work and measurement
// on bare iter.Pull coroutines, one per entity, with no scheduler at all.
// An entity "sleeps" by yielding its deadline (a monotonic clock read plus
// Frame); since every sleep is as long, the deadlines come in order and a
// FIFO is the timer. The driver resumes the head of the FIFO once it is
// due, sleeping (time.Sleep) until then.
func GameFloor(entities, frames int) (GameFigures, error) {
	settle()
	epoch := time.Now()
	type due struct {
		when int64 // ns since epoch
		i    int
	}
	var late time.Duration
	wakes := 0
	nexts := make([]func() (int64, bool), entities)
	stops := make([]func(), entities)
	defer func() {
		for _, stop := range stops {
			if stop != nil {
				stop()
			}
		}
	}()
	start := cpuTime() // the library's Run creates its coroutines too
	for i := range entities {
		nexts[i], stops[i] = iter.Pull(func(yield func(int64) bool) {
			x := float64(i)
			for f := range frames {
				x = gameWork(x)
				sink = x
				if i%8 != 0 {
					if !yield(int64(time.Since(epoch) + Frame)) {
						return
					}
					continue
				}
				due := time.Now().Add(Frame)
				if !yield(int64(time.Since(epoch) + Frame)) {
					return
				}
				if f > 0 {
					late += time.Since(due)
					wakes++
				}
			}
		})
	}
	q := make([]due, 0, entities)
	for i, next := range nexts { // the first frame starts them all
		if when, ok := next(); ok {
			q = append(q, due{when, i})
		}
	}
	for head := 0; head < len(q); head++ {
		d := q[head]
		if wait := time.Duration(d.when) - time.Since(epoch); wait > 0 {
			time.Sleep(wait)
		}
		if when, ok := nexts[d.i](); ok {
			q = append(q, due{when, d.i})
		}
		if head >= entities && head >= len(q)/2 { // drop the consumed half
			n := copy(q, q[head+1:])
			q, head = q[:n], -1
		}
	}
	cpu := cpuTime() - start
	if wakes != (entities+7)/8*max(frames-1, 0) {
		return GameFigures{}, fmt.Errorf("bench: %d measured wake-ups, want %d", wakes, (entities+7)/8*max(frames-1, 0))
	}
	return GameFigures{late / time.Duration(max(wakes, 1)), per(cpu, entities*frames)}, nil
}

var sink float64

// ScaleBench wraps one measurement for go test -bench: it reports the time
// per tasklet as ns/tasklet (ns/op is the time of a whole round), and for
// the measurements that record their window (see LastWindow) the
// collection cycles in it as gc-cycles and the bytes allocated per tasklet
// as B/tasklet.
func ScaleBench(f func(n int) (time.Duration, error), n int) func(*testing.B) {
	return func(b *testing.B) {
		var d time.Duration
		lastWindow.Store(Window{})
		for i := 0; i < b.N; i++ {
			var err error
			if d, err = f(n); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(d.Nanoseconds()), "ns/tasklet")
		if w := LastWindow(); w.N == n {
			b.ReportMetric(float64(w.GCs), "gc-cycles")
			b.ReportMetric(float64(w.Bytes)/float64(n), "B/tasklet")
		}
	}
}

// keepParked, while ColdBench runs, takes the teardown of a SpawnParkScale,
// PullCreateScale or SpawnParkFloor measurement (closing the scheduler,
// stopping the coroutines) instead of it running at once: ColdBench runs
// it at its next call, so that an instruction count of the benchmark's
// last call covers the measured part and not the teardown.
var keepParked func(teardown func())

// coldLeft are the teardowns keepParked took.
var coldLeft []func()

// ColdBench runs f (SpawnParkScale, PullCreateScale or SpawnParkFloor)
// once with b.N tasklets (op = one tasklet) and reports ns/tasklet: for
// instruction counts under callgrind, whose difference between two counts
// is the cost of one more tasklet (/work/benchcmp/cg.sh), as the one-shot
// Scale functions cannot be looped. The tasklets of its last call stay
// parked until its next call or the process's end.
func ColdBench(f func(n int) (time.Duration, error)) func(*testing.B) {
	return func(b *testing.B) {
		for _, teardown := range coldLeft {
			teardown()
		}
		coldLeft = nil
		keepParked = func(teardown func()) { coldLeft = append(coldLeft, teardown) }
		defer func() { keepParked = nil }()
		d, err := f(b.N)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(d.Nanoseconds()), "ns/tasklet")
	}
}

// GameBench wraps GameFrames (or GameFloor) for go test -bench: it reports
// the mean frame overrun as overrun-ms and the CPU time per entity-frame as
// cpu-ns/entity-frame.
func GameBench(game func(entities, frames int) (GameFigures, error), entities, frames int) func(*testing.B) {
	return func(b *testing.B) {
		var g GameFigures
		for i := 0; i < b.N; i++ {
			var err error
			if g, err = game(entities, frames); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(g.Overrun)/float64(time.Millisecond), "overrun-ms")
		b.ReportMetric(float64(g.CPU.Nanoseconds()), "cpu-ns/entity-frame")
	}
}
