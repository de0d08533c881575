package scheduler_test

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A tasklet must never lock its OS thread: its coroutine must keep the
// locking it was created with, and the Go runtime aborts the process when
// it does not. That cannot be reported as an error, so the test re-runs the
// test binary with the misuse and checks that it dies with the runtime's
// message (as sync's TestMutexMisuse does).
func TestLockOSThreadInTaskletIsFatal(t *testing.T) {
	defer goleak.VerifyNone(t)
	if os.Getenv("STACKLESS_MISUSE") == "lockosthread" {
		s, _ := scheduler.New()
		s.Spawn(func(tk *tasklet.Tasklet) {
			runtime.LockOSThread()
			_ = tk.Schedule() // switching away with the thread locked
		})
		_, _ = s.Run()
		os.Exit(0) // not reached
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockOSThreadInTaskletIsFatal$")
	cmd.Env = append(os.Environ(), "STACKLESS_MISUSE=lockosthread")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the process must die")
	assert.Contains(t, string(out), "coro: OS thread locking must match", "%s", out)
}

// WithProfilerLabels labels each tasklet's goroutine for pprof.
func TestProfilerLabels(t *testing.T) {
	s := start(t, scheduler.WithProfilerLabels())
	var profile bytes.Buffer
	spawn(t, s, "labelled", func(tk *tasklet.Tasklet) {
		assert.NoError(t, pprof.Lookup("goroutine").WriteTo(&profile, 1))
	})
	_, err := s.Run()
	require.NoError(t, err)
	out := profile.String()
	assert.True(t, strings.Contains(out, `"name":"labelled"`) || strings.Contains(out, `name:labelled`), out)
	assert.Contains(t, out, `"tasklet":`)
}
