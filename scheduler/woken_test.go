package scheduler_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// TestWokenSleeperOrYielderKilled (issue 13, item 3): a tasklet suspended
// in Sleep(0) (its timer has fired) or in Schedule has completed nothing a
// kill would undo (SPEC section 2): a kill unwinds it at once, and a throw
// is what the call returns; none of its own code runs in between.
func TestWokenSleeperOrYielderKilled(t *testing.T) {
	errStop := errors.New("stop")
	ops := []struct {
		name string
		op   func(tk *tasklet.Tasklet) error
	}{
		{"Sleep(0)", func(tk *tasklet.Tasklet) error { return tk.Sleep(0) }},
		{"Schedule", func(tk *tasklet.Tasklet) error { return tk.Schedule() }},
	}
	raisers := []struct {
		name  string
		kill  bool
		now   bool
		raise func(main, v *tasklet.Tasklet) error
	}{
		{"KillNow", true, true, func(m, v *tasklet.Tasklet) error { return m.KillNow(v) }},
		{"Kill", true, false, func(_, v *tasklet.Tasklet) error { return v.Kill() }},
		{"Kill from another scheduler", true, false, func(_, v *tasklet.Tasklet) error {
			return raiseFromOtherScheduler(t, func() error { return v.Kill() })
		}},
		{"ThrowNow", false, true, func(m, v *tasklet.Tasklet) error { return m.ThrowNow(v, errStop) }},
		{"Throw", false, false, func(_, v *tasklet.Tasklet) error { return v.Throw(errStop) }},
		{"Throw from another scheduler", false, false, func(_, v *tasklet.Tasklet) error {
			return raiseFromOtherScheduler(t, func() error { return v.Throw(errStop) })
		}},
	}
	for _, o := range ops {
		for _, rz := range raisers {
			t.Run(o.name+"/"+rz.name, func(t *testing.T) {
				s := start(t)
				main := s.Main()
				var r recorder
				a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
					defer r.Add("A deferred")
					r.Add("A runs")
					err := o.op(tk)
					r.Add("A: %v", err)
				})
				require.NoError(t, main.Schedule()) // A runs and suspends; Sleep(0)'s timer fires
				require.Equal(t, tasklet.Scheduled, a.State(), "woken, has not run")
				r.Add("main raises")
				require.NoError(t, rz.raise(main, a))
				r.Add("main goes on")
				runToEnd(t, s)

				victim := []string{"A deferred"}
				if !rz.kill {
					victim = []string{"A: stop", "A deferred"}
				}
				want := append([]string{"A runs", "main raises", "main goes on"}, victim...)
				if rz.now {
					want = append(append([]string{"A runs", "main raises"}, victim...), "main goes on")
				}
				assert.Equal(t, want, r.Log())
				assert.Equal(t, tasklet.Dead, a.State())
			})
		}
	}
}

// raiseFromOtherScheduler runs fn in a tasklet of a new scheduler driven by a
// goroutine of its own and returns fn's result once that scheduler is
// closed; the caller's scheduler does not run meanwhile.
func raiseFromOtherScheduler(t *testing.T, fn func() error) error {
	var wg sync.WaitGroup
	var err error
	wg.Add(1)
	go func() {
		defer wg.Done()
		s2, serr := scheduler.New(scheduler.WithName("other"))
		if !assert.NoError(t, serr) {
			return
		}
		defer func() { assert.NoError(t, s2.Close()) }()
		_, serr = s2.Spawn(func(*tasklet.Tasklet) { err = fn() })
		assert.NoError(t, serr)
		_, serr = s2.Run()
		assert.NoError(t, serr)
	}()
	wg.Wait()
	return err
}

func runToEnd(t testing.TB, s *scheduler.Scheduler) {
	t.Helper()
	_, err := s.Run()
	require.NoError(t, err)
}
