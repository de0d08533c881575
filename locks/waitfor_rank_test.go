package locks_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

// WaitFor's deadline counts from the call, which takes its rank among equal
// deadlines there (SPEC 8: creation order) and keeps it through every
// check of its predicate: a timed wait the predicate makes takes a rank of
// its own, not WaitFor's. A called WaitFor first; B called it second with
// the same deadline on a clock that does not move (on another condition,
// so that B's call can start while A's predicate waits); both time out
// together, and A's timeout comes first, whichever check of A's predicate
// made a timed wait of its own (which parks until C sets an event).
func TestWaitForKeepsItsRankThroughTimedPredicate(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, timedCheck := range []int{1, 2} { // which call of A's predicate parks in a timed wait
		name := map[int]string{1: "first check", 2: "re-check"}[timedCheck]
		t.Run(name, func(t *testing.T) {
			s, clk := fakeSched(t)
			defer closeSched(t, s)
			cv := locks.NewCondition(nil)
			cvB := locks.NewCondition(nil) // B's own: B may start while A's predicate waits
			ev := &locks.Event{}
			var r recorder
			checks := 0
			predA := func(me *tasklet.Tasklet) func() bool {
				return func() bool {
					checks++
					if checks == timedCheck {
						ok, err := ev.WaitTimeout(me, time.Hour)
						r.Add("A's predicate waited: %v %v", ok, err)
					}
					return false
				}
			}
			spawn(t, s, "A", func(me *tasklet.Tasklet) {
				require.NoError(t, cv.Acquire(me))
				r.Add("A: %v", cv.WaitFor(me, predA(me), time.Hour))
				assert.NoError(t, cv.Release(me))
			})
			spawn(t, s, "B", func(me *tasklet.Tasklet) {
				require.NoError(t, cvB.Acquire(me))
				r.Add("B: %v", cvB.WaitFor(me, func() bool { return false }, time.Hour))
				assert.NoError(t, cvB.Release(me))
			})
			spawn(t, s, "C", func(me *tasklet.Tasklet) {
				if timedCheck == 2 {
					// A and B wait: wake A, whose re-check parks in
					// its predicate
					require.NoError(t, cv.Acquire(me))
					require.NoError(t, cv.NotifyAll(me))
					require.NoError(t, cv.Release(me))
				}
				for ev.Waiting() == 0 {
					require.NoError(t, me.Schedule())
				}
				ev.Set(me)
				for cv.Waiting()+cvB.Waiting() < 2 {
					require.NoError(t, me.Schedule())
				}
				clk.Advance(2 * time.Hour)
			})
			run(t, s)
			timeout := tasklet.ErrTimeout.Error()
			assert.Equal(t, []string{
				"A's predicate waited: true <nil>",
				"A: " + timeout,
				"B: " + timeout,
			}, r.Log())
		})
	}
}
