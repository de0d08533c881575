package watchdog_test

import (
	"fmt"
	"testing"

	"github.com/stackless-go/stackless/internal/bench"
)

// BenchmarkWakeLatency: one interactive tasklet woken every millisecond by a
// plain goroutine, beside N CPU-bound tasklets under a 1 ms slice; reports
// p50-N<n>-ms and p99-N<n>-ms. op = one wakeup.
func BenchmarkWakeLatency(b *testing.B) {
	for _, n := range []int{1, 4, 16} {
		b.Run(fmt.Sprint("N", n), bench.WakeLatency(n))
	}
}

// BenchmarkFrame: 10,000 entity tasklets stepped once per frame by a
// watchdog.Frame, interleaved with 10,000 goroutines stepped once per frame;
// op = one frame. Reports ns/step, goroutine-ns/step and x-goroutines, and
// the CPU time per step of each (cpu-ns/step, goroutine-cpu-ns/step).
func BenchmarkFrame(b *testing.B) { bench.FrameSteps(b) }

// BenchmarkFrameEntities: BenchmarkFrame over 100, 1,000 and 10,000
// entities (warm caches to cold ones), with its baseline, and without it
// (the "lib" rows: every instruction is the library's, for callgrind and
// cachegrind: divide what is counted per op by the entity count; their
// frame budget is a minute, so that valgrind's slowdown does not cut
// frames). Reports ns/step and cpu-ns/step (and goroutine-ns/step,
// goroutine-cpu-ns/step and x-goroutines with the baseline).
func BenchmarkFrameEntities(b *testing.B) {
	for _, n := range []int{100, 1000, 10_000} {
		b.Run(fmt.Sprint("N", n), bench.FrameStepsN(n, true))
		b.Run(fmt.Sprint("N", n, "lib"), bench.FrameStepsN(n, false))
	}
}

// BenchmarkFramePullFloor: BenchmarkFrame's floor by design, bare iter.Pull
// coroutines resumed in turn by a loop (no scheduler), over 100, 1,000 and
// 10,000 entities, beside the same goroutine baseline, and without it (the
// "lib" rows, for callgrind and cachegrind). Reports ns/step, cpu-ns/step,
// and with the baseline goroutine-ns/step, goroutine-cpu-ns/step and
// x-goroutines.
func BenchmarkFramePullFloor(b *testing.B) {
	for _, n := range []int{100, 1000, 10_000} {
		b.Run(fmt.Sprint("N", n), bench.FramePullFloor(n, true))
		b.Run(fmt.Sprint("N", n, "lib"), bench.FramePullFloor(n, false))
	}
}

// BenchmarkSliceOvershoot: a tasklet ticking in a tight loop under 1 ms
// slices; op = one slice. Reports p50-overshoot and p99-overshoot as
// fractions of the slice.
func BenchmarkSliceOvershoot(b *testing.B) { bench.SliceOvershoot(b) }

// BenchmarkFrameRunaway: frames of a 16 ms budget over 1,000 busy entities
// and one runaway; op = one frame. Reports p50-budget, p99-budget and
// max-budget (frame time / budget).
func BenchmarkFrameRunaway(b *testing.B) { bench.FrameRunaway(b) }
