//go:build !race && !stackless_debug

// Issue 19, cold spawn: a tasklet's first run, up to its first park, fits
// the coroutine's starting stack. The race detector and the debug mode add
// frames and checks to that path, so this file is left out of those builds.

package scheduler_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// coldParkTasklets is how many tasklets each scenario parks.
const coldParkTasklets = 1000

// TestIssue19ColdSpawnParkFitsStartingStack spawns tasklets whose bodies
// have the shape of the scale benchmark's (a deferred cleanup, then a
// Receive on one channel), runs until they all park, and closes the
// scheduler, which kills them all. Their stacks stay the coroutine's 2 KB
// starting stack: parked, each holds 2 KB (a stack that grew would hold 4
// KB), and as the kill unwinds them (gopanic, then run's deferred function
// and recover) none grows, which debug.SetMaxStack(2 KB) makes fatal while
// Close runs. A growth copies the stack and walks every frame: it doubled
// the cost of a cold spawn, or of a Close. The scenario runs in a child
// process started with GODEBUG=adaptivestackstart=0 (every coroutine starts
// with the minimum stack, whatever the collector measured before) and
// GOGC=off (no collection shrinks or moves stacks).
func TestIssue19ColdSpawnParkFitsStartingStack(t *testing.T) {
	defer goleak.VerifyNone(t)
	if os.Getenv("STACKLESS_COLDSTACK") == "child" {
		for _, line := range coldParkScenarios() {
			fmt.Println("EVENT", line)
		}
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestIssue19ColdSpawnParkFitsStartingStack$")
	cmd.Env = append(os.Environ(), "STACKLESS_COLDSTACK=child", "GOGC=off",
		"GODEBUG="+strings.TrimPrefix(os.Getenv("GODEBUG")+",", ",")+"adaptivestackstart=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var events []string
	for _, l := range strings.Split(string(out), "\n") {
		if e, ok := strings.CutPrefix(l, "EVENT "); ok {
			events = append(events, e)
		}
	}
	want := []string{}
	for _, c := range coldParkCases() {
		want = append(want, fmt.Sprintf("%s: parked %d, 2 KB stacks: true, closed <nil>, cleanups %d",
			c.name, coldParkTasklets, coldParkTasklets))
	}
	assert.Equal(t, want, events, "%s", out)
}

type coldParkCase struct {
	name string
	opts []scheduler.Option
}

func coldParkCases() []coldParkCase {
	return []coldParkCase{
		{"receive", nil},
		{"receive, profiler labels", []scheduler.Option{scheduler.WithProfilerLabels()}},
	}
}

// coldParkScenarios runs each case in the child process and describes it.
func coldParkScenarios() []string {
	var out []string
	for _, c := range coldParkCases() {
		out = append(out, coldPark(c))
	}
	return out
}

func coldPark(c coldParkCase) string {
	s, err := scheduler.New(c.opts...)
	if err != nil {
		return err.Error()
	}
	ch := channel.New[int]()
	cleanups := 0
	body := func(tk *tasklet.Tasklet) {
		defer func() { cleanups++ }()
		_, _ = ch.Receive(tk)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range coldParkTasklets {
		if _, err := s.Spawn(body); err != nil {
			return err.Error()
		}
	}
	if _, err := s.Run(); err != nil {
		return err.Error()
	}
	runtime.ReadMemStats(&after)
	// 2 KB stacks measure 2048 bytes each (the spans they are carved from
	// hold nothing else), 4 KB for a stack that grew. A few growths pass:
	// the allocator's slow path, when it refills, is deep.
	perTasklet := (after.StackInuse - before.StackInuse) / coldParkTasklets
	parked := -ch.Balance()
	growStack(64 << 10) // the driver's own stack does not grow under the limit
	limit := debug.SetMaxStack(coldStack)
	err = s.Close() // a stack that grows as the kill unwinds it is fatal here
	debug.SetMaxStack(limit)
	return fmt.Sprintf("%s: parked %d, 2 KB stacks: %v, closed %v, cleanups %d",
		c.name, parked, perTasklet < 2200, err, cleanups)
}

// coldStack is a coroutine's starting stack (GODEBUG=adaptivestackstart=0).
const coldStack = 2 << 10

// growStack grows the calling goroutine's stack to more than n bytes; with
// GOGC=off it never shrinks back.
//
//go:noinline
func growStack(n int) byte {
	var pad [8 << 10]byte
	pad[n%len(pad)] = byte(n)
	if n <= len(pad) {
		return pad[0]
	}
	return growStack(n-len(pad)) + pad[1]
}
