// Package watchdog runs a scheduler on a budget, the way a game server runs
// its tasklets inside a frame. Frame is the frame loop: each Frame.Run steps
// every runnable tasklet at most once under a deadline for the whole frame
// and a slice per tasklet, and kills a tasklet that overruns its slice too
// often, counting strikes from one frame to the next. Pump is the simpler
// loop under it: it calls the scheduler's budgeted Run again and again until
// the run queue is empty, and decides what happens to each tasklet the
// budget interrupted (reinsert it at the end of the run queue, or kill it).
//
// The budget itself is enforced by the scheduler (scheduler.TickBudget,
// scheduler.TimeBudget, scheduler.Total, scheduler.Soft), at the ticks of
// the running tasklet: every runtime operation counts one tick and a long
// computation calls t.Tick() at its preemption points (a few nanoseconds).
// A tasklet that never ticks cannot be interrupted; scheduler.WithStallReport
// makes such a tasklet visible.
//
// Fairness: the reinsert idiom puts an interrupted tasklet at the end of the
// run queue, while a tasklet woken from outside the scheduler (a channel
// handoff from another scheduler, a timer, a Blocking call) joins the run
// queue right after the running tasklet. So an interactive tasklet waits at
// most about one slice, however many CPU-bound tasklets keep being
// interrupted.
package watchdog

import (
	"errors"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Action is what Pump does with a tasklet the budget interrupted.
type Action int

const (
	// Reinsert puts the tasklet at the end of the run queue.
	Reinsert Action = iota
	// Kill kills it (its deferred cleanup runs).
	Kill
	// Leave leaves it paused; the caller may insert it later.
	Leave
)

// Policy decides, for each interrupted tasklet, what Pump does with it.
// interrupts counts the times this tasklet has been interrupted in this
// Pump, this one included.
type Policy func(t *tasklet.Tasklet, interrupts int) Action

// KillAfter returns a Policy that reinserts an interrupted tasklet until it
// has been interrupted n times, then kills it as a runaway.
func KillAfter(n int) Policy {
	return func(_ *tasklet.Tasklet, interrupts int) Action {
		if interrupts >= n {
			return Kill
		}
		return Reinsert
	}
}

// Report says what a Pump did.
type Report struct {
	Runs        int                // calls to Run
	Interrupted int                // interrupts
	Killed      []*tasklet.Tasklet // tasklets the policy killed
	Left        []*tasklet.Tasklet // tasklets the policy left paused
}

// ErrNilScheduler is returned by Pump when given a nil scheduler.
var ErrNilScheduler = errors.New("watchdog: nil scheduler")

// Pump runs s, from its main tasklet, with the given budget options until
// Run returns without interrupting anybody (the run queue is empty, or a
// total or soft budget ran out), applying policy (nil: always Reinsert) to
// every interrupted tasklet. It returns the first uncaught error a Run
// returns, with the report so far.
//
// Pump does not cap a frame: every option applies to each Run it makes, so
// scheduler.Total restarts at every interrupt, and the interrupt counts the
// policy sees start again at every Pump call. A frame loop uses Frame (or
// passes scheduler.Deadline, which successive Runs share).
//
//	for {
//		t, err := s.Run(scheduler.TickBudget(1000))
//		if err != nil || t == nil {
//			break
//		}
//		t.Insert()
//	}
//
// is Pump with the Reinsert policy.
func Pump(s *scheduler.Scheduler, policy Policy, opts ...scheduler.RunOption) (Report, error) {
	var r Report
	if s == nil {
		return r, ErrNilScheduler
	}
	counts := make(map[*tasklet.Tasklet]int)
	for {
		victim, err := s.Run(opts...)
		r.Runs++
		if err != nil {
			return r, err
		}
		if victim == nil {
			return r, nil
		}
		r.Interrupted++
		counts[victim]++
		action := Reinsert
		if policy != nil {
			action = policy(victim, counts[victim])
		}
		switch action {
		case Kill:
			if err := s.Main().KillNow(victim); err != nil {
				return r, err
			}
			r.Killed = append(r.Killed, victim)
		case Leave:
			r.Left = append(r.Left, victim)
		default:
			if err := victim.Insert(); err != nil {
				return r, err
			}
		}
	}
}
