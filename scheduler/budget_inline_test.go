package scheduler_test

import (
	"os/exec"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The budget helpers that every switch or tick runs must stay inlinable:
// their armed-budget work is outlined (armedDueLocked, budgetSliceLocked),
// so that a switch with no budget armed pays one flag test.
func TestBudgetHelpersInline(t *testing.T) {
	defer goleak.VerifyNone(t)
	goTool, err := exec.LookPath("go") // go test itself runs on it
	require.NoError(t, err)
	out, err := exec.Command(goTool, "build", "-gcflags=-m", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, fn := range []string{"budgetDueLocked", "chargeLocked", "countTickLocked"} {
		re := regexp.MustCompile(`can inline \(\*Scheduler\)\.` + fn + `(\s|$)`)
		assert.True(t, re.Match(out), "(*Scheduler).%s is not inlinable", fn)
	}
}
