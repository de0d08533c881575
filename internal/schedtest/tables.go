// Tables that the adversarial tests of several packages run through: the
// callers a waking call may be given, and the edges of a timed wait.

package schedtest

import (
	"math"
	"time"

	"github.com/stackless-go/stackless/tasklet"
)

// A Caller is one caller that a test passes to a call that wakes a
// tasklet W (the caller rule of issue 15). Pick chooses it among a (the
// running waker), dead (a dead tasklet of W's scheduler), main (W's
// scheduler's paused main) and foreign (a new tasklet of another
// scheduler). Local says whether it counts as W's own scheduler: W then
// goes to the end of the run queue; otherwise W runs next.
type Caller struct {
	Name  string
	Pick  func(a, dead, main, foreign *tasklet.Tasklet) *tasklet.Tasklet
	Local bool
}

// Callers are the callers every waking call is tried with: running or not,
// of W's scheduler or not, nil and a zero Tasklet (which count as from
// outside).
var Callers = []Caller{
	{"the running waker", func(a, _, _, _ *tasklet.Tasklet) *tasklet.Tasklet { return a }, true},
	{"nil", func(_, _, _, _ *tasklet.Tasklet) *tasklet.Tasklet { return nil }, false},
	{"zero Tasklet", func(_, _, _, _ *tasklet.Tasklet) *tasklet.Tasklet { return &tasklet.Tasklet{} }, false},
	{"dead, same scheduler", func(_, d, _, _ *tasklet.Tasklet) *tasklet.Tasklet { return d }, true},
	{"paused main, same scheduler", func(_, _, m, _ *tasklet.Tasklet) *tasklet.Tasklet { return m }, true},
	{"new, another scheduler", func(_, _, _, f *tasklet.Tasklet) *tasklet.Tasklet { return f }, false},
}

// A TimedEdge is one duration given to a timed wait, on a fake clock that
// jumps to the deadline when nothing else can run: Forever says the wait
// is still waiting once the scheduler ran out of work; Elapsed is how far
// the clock moved by the time it ran out (-1: not checked).
type TimedEdge struct {
	Name    string
	D       time.Duration
	Forever bool
	Elapsed time.Duration
}

// TimedEdges are the edges of the timed-wait rule (see tasklet.ErrTimeout):
// d < 0 waits for ever, 0 does not wait, d > 0 until the clock reaches it.
// How far the clock moves for math.MaxInt64 is not checked: the deadline
// saturates at the clock's range.
var TimedEdges = []TimedEdge{
	{Name: "zero", D: 0},
	{Name: "one ns", D: 1, Elapsed: 1},
	{Name: "an hour", D: time.Hour, Elapsed: time.Hour},
	{Name: "MaxInt64", D: math.MaxInt64, Elapsed: -1},
	{Name: "minus one", D: -1, Forever: true},
	{Name: "MinInt64", D: math.MinInt64, Forever: true},
}
