package tasklet_test

import (
	"os/exec"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The Tasklet methods on the switching and tick paths must stay inlinable,
// so that the zero-Tasklet checks (issue 14 item 15) add no call frame live
// across a switch (as cmd/compile's TestIntendedInlining). Those off the hot
// paths (ScheduleRemove, KillNow, Throw, IsCurrent) are a few units over the
// inlining budget since the runtime is read through internal/core.
func TestIntendedInlining(t *testing.T) {
	defer goleak.VerifyNone(t)
	goTool, err := exec.LookPath("go") // go test itself runs on it
	require.NoError(t, err)
	out, err := exec.Command(goTool, "build", "-gcflags=-m", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, fn := range []string{
		"Tick", "Schedule", "Run", "Switch", "Sleep", "State", "Insert", "Kill",
	} {
		re := regexp.MustCompile(`can inline \(\*Tasklet\)\.` + fn + `(\s|$)`)
		assert.True(t, re.Match(out), "(*Tasklet).%s is not inlinable", fn)
	}
}
