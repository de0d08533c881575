// The intended-inlining test: the helpers of the switch path that every
// caller shares must stay inlinable (see transfer).
package scheduler_test

import (
	"os/exec"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestIntendedInlining fails when a helper of the switch path stops being
// inlinable (as cmd/compile's TestIntendedInlining): Park and transfer share
// the hops nest and canNest, and worker.suspend, instead of hand copies, and
// a helper that is a call of its own would add a frame live across every
// coroutine switch (a mispredicted return each time the switch comes back).
// The other helpers are on the path of every channel message or switch.
func TestIntendedInlining(t *testing.T) {
	defer goleak.VerifyNone(t)
	goTool, err := exec.LookPath("go") // go test itself runs on it
	require.NoError(t, err)
	out, err := exec.Command(goTool, "build", "-gcflags=-m", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, fn := range []string{
		`\(\*entry\)\.nest`,
		`\(\*entry\)\.canNest`,
		`\(\*worker\)\.suspend`,
		`\(\*entry\)\.updateSigLocked`,
		`\(\*Scheduler\)\.appendReadyLocked`,
		`\(\*Scheduler\)\.laneReadyLocked`, // in Ready, once per message across schedulers
		`\(\*Scheduler\)\.chargeLocked`,
		`\(\*Scheduler\)\.plainCurrentLocked`, // in leaveLocked, on every switch
		`\(\*Scheduler\)\.setCurrentLocked`,
		`\(\*Scheduler\)\.napLocked`, // in pickLocked, once per message across schedulers
		`\(\*ring\)\.front`,
		`\(\*Scheduler\)\.checkCurrentLocked`, // on every Park: the main check is outside it
		`\(\*timerQueue\)\.skipHoles`,         // popFirst's and remove's, once per timer fired or cancelled
	} {
		re := regexp.MustCompile(`can inline ` + fn + `(\s|$)`)
		assert.True(t, re.Match(out), "%s is not inlinable", fn)
	}
}
