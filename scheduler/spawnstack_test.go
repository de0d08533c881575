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
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// coldParkTasklets is how many tasklets each scenario parks: enough that
// the stack memory per tasklet is measured to a few bytes.
const coldParkTasklets = 1000

// TestIssue19ColdSpawnParkFitsStartingStack spawns tasklets whose bodies
// have the shape of the scale benchmark's (a deferred cleanup, then a
// Receive on one channel), runs until they all park, and checks that the
// stack memory per parked tasklet is the coroutine's 2 KB starting stack:
// no tasklet's stack was copied to a larger one on the way to its first
// park (a copy walks every frame and doubles the memory). It runs in a
// child process started with GODEBUG=adaptivestackstart=0 (every coroutine
// starts with the minimum stack, whatever the collector measured before)
// and GOGC=off (no collection moves or frees stacks while it measures).
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
		want = append(want, fmt.Sprintf("%s: parked %d, stack fits 2 KB: true, cleanups %d",
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
	perTasklet := (after.StackInuse - before.StackInuse) / coldParkTasklets
	parked := -ch.Balance()
	if err := s.Close(); err != nil {
		return err.Error()
	}
	// 2 KB stacks measure 2048 bytes each (the spans they are carved from
	// hold nothing else); a tasklet whose stack grew holds 4 KB.
	return fmt.Sprintf("%s: parked %d, stack fits 2 KB: %v, cleanups %d",
		c.name, parked, perTasklet < 3<<10, cleanups)
}
