package scheduler

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

// TestEntryHotFieldsInFirstTwoCacheLines: the fields of the record a switch
// reads or writes (a stepped tasklet's Schedule, the switch, the ring's
// rotation, the charge of its ticks) lie in its first 128 bytes, so that a
// frame over thousands of cold records touches two cache lines of each
// (BenchmarkFrame), and the record stays in the 256-byte size class, whose
// objects start on a cache line.
func TestEntryHotFieldsInFirstTwoCacheLines(t *testing.T) {
	defer goleak.VerifyNone(t)
	var e entry
	end := func(off, size uintptr) uintptr { return off + size }
	tk := unsafe.Offsetof(e.tk)
	for _, f := range []struct {
		name string
		end  uintptr
	}{
		{"s", end(unsafe.Offsetof(e.s), unsafe.Sizeof(e.s))},
		{"sig", end(unsafe.Offsetof(e.sig), unsafe.Sizeof(e.sig))},
		{"st", end(unsafe.Offsetof(e.st), unsafe.Sizeof(e.st))},
		{"depth", end(unsafe.Offsetof(e.depth), unsafe.Sizeof(e.depth))},
		{"child", end(unsafe.Offsetof(e.child), unsafe.Sizeof(e.child))},
		{"w", end(unsafe.Offsetof(e.w), unsafe.Sizeof(e.w))},
		{"t", end(unsafe.Offsetof(e.t), unsafe.Sizeof(e.t))},
		{"main", end(unsafe.Offsetof(e.main), unsafe.Sizeof(e.main))},
		{"started", end(unsafe.Offsetof(e.started), unsafe.Sizeof(e.started))},
		{"inLane", end(unsafe.Offsetof(e.inLane), unsafe.Sizeof(e.inLane))},
		{"rnext", end(unsafe.Offsetof(e.rnext), unsafe.Sizeof(e.rnext))},
		{"ticks", end(unsafe.Offsetof(e.ticks), unsafe.Sizeof(e.ticks))},
		// Tasklet.Schedule reads the runtime; transfer, the atomic flag:
		// they end tk's first 48 bytes (id and name come first).
		{"tk.rt+atomic", tk + 48},
	} {
		assert.LessOrEqual(t, f.end, uintptr(128), "entry.%s ends at byte %d", f.name, f.end)
	}
	assert.Greater(t, unsafe.Sizeof(e), uintptr(192), "the record left the 256-byte size class")
	assert.LessOrEqual(t, unsafe.Sizeof(e), uintptr(256), "the record left the 256-byte size class")
}
