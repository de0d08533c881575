// What the garbage collector did in a scale measurement's window: cycles,
// bytes and objects allocated, GC CPU time.

package bench

import (
	"runtime"
	"runtime/metrics"
	"time"

	"go.uber.org/atomic"
)

// A Window is what the runtime did while one scale measurement ran (its
// timed part only): for N tasklets, GCs collection cycles started, Bytes
// and Objects allocated, and the CPU time the runtime estimates its
// collector took (GC, of which Assist by allocating goroutines).
type Window struct {
	N              int
	GCs            uint32
	Bytes, Objects uint64
	GC, Assist     time.Duration
}

// windowMetrics are the runtime/metrics samples a window reads.
var windowMetrics = []string{
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/gc/mark/assist:cpu-seconds",
}

type windowStart struct {
	ms      runtime.MemStats
	gc, ast float64
}

func readGCCPU() (gc, assist float64) {
	s := make([]metrics.Sample, len(windowMetrics))
	for i, name := range windowMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	return s[0].Value.Float64(), s[1].Value.Float64()
}

// openWindow reads the runtime's counters as a timed part begins.
func openWindow() *windowStart {
	w := &windowStart{}
	runtime.ReadMemStats(&w.ms)
	w.gc, w.ast = readGCCPU()
	return w
}

var lastWindow atomic.Value

// close records the window of n tasklets that w opened (see LastWindow).
func (w *windowStart) close(n int) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gc, ast := readGCCPU()
	lastWindow.Store(Window{
		N:       n,
		GCs:     ms.NumGC - w.ms.NumGC,
		Bytes:   ms.TotalAlloc - w.ms.TotalAlloc,
		Objects: ms.Mallocs - w.ms.Mallocs,
		GC:      time.Duration((gc - w.gc) * 1e9),
		Assist:  time.Duration((ast - w.ast) * 1e9),
	})
}

// LastWindow returns the window of the last SpawnParkScale,
// PullCreateScale or SpawnParkFloor measurement.
func LastWindow() Window {
	w, _ := lastWindow.Load().(Window)
	return w
}
