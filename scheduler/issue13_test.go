package scheduler_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Regression tests for issue 13 ("Kills, throws and wake-ups: nothing lost,
// nothing undone"), items 4-9, 11, 12, 14 and 15. Each is named
// TestIssue13_... and asserts the exact order of events.

var errX = errors.New("X")

// fromOther runs fn on the main tasklet of a second scheduler, driven by
// another goroutine, and returns what fn returned.
func fromOther(fn func(other *tasklet.Tasklet) error) error {
	errc := make(chan error, 1)
	go func() {
		s2, err := scheduler.New()
		if err != nil {
			errc <- err
			return
		}
		err = fn(s2.Main())
		errc <- errors.Join(err, s2.Close())
	}()
	return <-errc
}

// Item 4 (SPEC 5): a tasklet waiting inside a Run it called is paused, not
// blocked: it can be inserted and run (its Run returns), killed (it unwinds)
// or thrown into (its Run returns the error), immediate and pending, from
// its own scheduler and from another.
func TestIssue13_RunCallerIsPaused(t *testing.T) {
	tests := []struct {
		name   string
		resume func(main, w *tasklet.Tasklet) error
		want   []string
	}{
		{"Insert", func(_, w *tasklet.Tasklet) error { return w.Insert() },
			[]string{"w: Run returned <nil tasklet>, <nil>", "w: deferred", "main"}},
		{"main.Run", func(main, w *tasklet.Tasklet) error { return main.Run(w) },
			[]string{"w: Run returned <nil tasklet>, <nil>", "w: deferred", "main"}},
		{"KillNow", func(main, w *tasklet.Tasklet) error { return main.KillNow(w) },
			[]string{"w: deferred", "main"}},
		{"Kill", func(_, w *tasklet.Tasklet) error { return w.Kill() },
			[]string{"w: deferred", "main"}},
		{"ThrowNow", func(main, w *tasklet.Tasklet) error { return main.ThrowNow(w, errX) },
			[]string{"w: Run returned <nil tasklet>, X", "w: deferred", "main"}},
		{"Throw", func(_, w *tasklet.Tasklet) error { return w.Throw(errX) },
			[]string{"w: Run returned <nil tasklet>, X", "w: deferred", "main"}},
		{"Insert from another scheduler", func(_, w *tasklet.Tasklet) error {
			return fromOther(func(*tasklet.Tasklet) error { return w.Insert() })
		}, []string{"w: Run returned <nil tasklet>, <nil>", "w: deferred", "main"}},
		{"KillNow from another scheduler", func(_, w *tasklet.Tasklet) error {
			return fromOther(func(o *tasklet.Tasklet) error { return o.KillNow(w) })
		}, []string{"w: deferred", "main"}},
		{"ThrowNow from another scheduler", func(_, w *tasklet.Tasklet) error {
			return fromOther(func(o *tasklet.Tasklet) error { return o.ThrowNow(w, errX) })
		}, []string{"w: Run returned <nil tasklet>, X", "w: deferred", "main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
				defer r.Add("w: deferred")
				v, err := s.RunFrom(tk)
				r.Add("w: Run returned %v, %v", v, err)
			})
			main := s.Main()
			require.NoError(t, main.Schedule()) // w waits in Run; main runs on
			assert.Equal(t, tasklet.Paused, w.State())
			assert.False(t, w.Blocked())
			assert.False(t, w.Scheduled())
			assert.True(t, w.Alive())
			require.NoError(t, tt.resume(main, w))
			require.NoError(t, main.Schedule())
			r.Add("main")
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tasklet.Dead, w.State())
			assert.Equal(t, 1, s.RunCount())
		})
	}
}

// Item 4: a Run that returns before the Runs nested in it takes them along:
// their callers are appended, innermost first, and their Run returns nil.
func TestIssue13_OuterRunCallerResumedTakesNestedRuns(t *testing.T) {
	s := start(t)
	var r recorder
	var outer *tasklet.Tasklet
	level := func(name string, next func(*tasklet.Tasklet)) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			if next != nil {
				spawn(t, s, name+"'s child", next)
			}
			v, err := s.RunFrom(tk)
			r.Add("%s: Run returned %v, %v", name, v, err)
		}
	}
	waker := func(tk *tasklet.Tasklet) {
		r.Add("waker: inserts outer")
		assert.NoError(t, outer.Insert())
		_ = tk.Schedule()
		r.Add("waker: ends")
	}
	outer = spawn(t, s, "outer", level("outer", level("middle", level("inner", waker))))
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{
		"waker: inserts outer",
		"outer: Run returned <nil tasklet>, <nil>",
		"inner: Run returned <nil tasklet>, <nil>",
		"middle: Run returned <nil tasklet>, <nil>",
		"waker: ends",
	}, r.Log())
}

// Item 5 (SPEC 5): with nested timed Runs, the outermost timed Run is the
// one that returns when its budget runs out, with the victim; the Runs
// nested in it return too, innermost first, with no victim. Without a
// budget, the innermost Run returns first when the ring empties.
func TestIssue13_NestedTimedRunsOutermostReturns(t *testing.T) {
	tests := []struct {
		name   string
		budget []scheduler.RunOption
		spin   bool
		want   []string
	}{
		{"three timed levels over a CPU-bound tasklet",
			[]scheduler.RunOption{scheduler.TickBudget(300), scheduler.Total()}, true,
			[]string{"L1: Run returned spin, <nil>", "L3: Run returned <nil tasklet>, <nil>", "L2: Run returned <nil tasklet>, <nil>"}},
		{"three timed levels, hard per slice",
			[]scheduler.RunOption{scheduler.TickBudget(300)}, true,
			[]string{"L1: Run returned spin, <nil>", "L3: Run returned <nil tasklet>, <nil>", "L2: Run returned <nil tasklet>, <nil>"}},
		{"no budget: the ring empties, innermost first",
			nil, false,
			[]string{"L3: Run returned <nil tasklet>, <nil>", "L2: Run returned <nil tasklet>, <nil>", "L1: Run returned <nil tasklet>, <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			var spin *tasklet.Tasklet
			level := func(name string, next func(*tasklet.Tasklet)) func(*tasklet.Tasklet) {
				return func(tk *tasklet.Tasklet) {
					if next != nil {
						spawn(t, s, "child", next)
					} else if tt.spin {
						spin = spawn(t, s, "spin", func(tk *tasklet.Tasklet) {
							defer r.Add("spin: deferred")
							for {
								tk.Tick()
							}
						})
					}
					v, err := s.RunFrom(tk, tt.budget...)
					name := name
					if v != nil {
						r.Add("%s: Run returned %s, %v", name, v.Name(), err)
					} else {
						r.Add("%s: Run returned %v, %v", name, v, err)
					}
				}
			}
			spawn(t, s, "L1", level("L1", level("L2", level("L3", nil))))
			v, err := s.Run()
			require.NoError(t, err)
			assert.Nil(t, v)
			assert.Equal(t, tt.want, r.Log())
			if tt.spin {
				assert.Equal(t, tasklet.Paused, spin.State(), "the victim is removed, alive")
				r.Reset()
				require.NoError(t, s.Main().KillNow(spin))
				assert.Equal(t, []string{"spin: deferred"}, r.Log())
			}
		})
	}
}

// Item 6 (SPEC 2): KillNow and ThrowNow aimed at a tasklet of another
// scheduler take the pending form there and return nil; a kill of a dead
// tasklet is a no-op and a throw into one is ErrDead, from any scheduler.
func TestIssue13_ForeignImmediateKillThrowIsPending(t *testing.T) {
	type state int
	const (
		scheduled state = iota
		paused
		blocked
		dead
	)
	tests := []struct {
		name    string
		state   state
		kill    bool
		wantErr error
		want    []string
	}{
		{"KillNow scheduled", scheduled, true, nil, []string{"t: deferred"}},
		{"KillNow paused", paused, true, nil, []string{"t: deferred"}},
		{"KillNow blocked", blocked, true, nil, []string{"t: deferred"}},
		{"KillNow dead", dead, true, nil, nil},
		{"ThrowNow scheduled", scheduled, false, nil, []string{"t: Schedule returned X", "t: deferred"}},
		{"ThrowNow paused", paused, false, nil, []string{"t: ScheduleRemove returned X", "t: deferred"}},
		{"ThrowNow blocked", blocked, false, nil, []string{"t: Receive returned X", "t: deferred"}},
		{"ThrowNow dead", dead, false, tasklet.ErrDead, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			ch := channel.New[int]()
			tk := spawn(t, s, "t", func(tk *tasklet.Tasklet) {
				switch tt.state {
				case dead:
					return
				case scheduled:
					defer r.Add("t: deferred")
					for {
						if err := tk.Schedule(); err != nil {
							r.Add("t: Schedule returned %v", err)
							return
						}
					}
				case paused:
					defer r.Add("t: deferred")
					_, err := tk.ScheduleRemove()
					r.Add("t: ScheduleRemove returned %v", err)
				case blocked:
					defer r.Add("t: deferred")
					_, err := ch.Receive(tk)
					r.Add("t: Receive returned %v", err)
				}
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			before := s.RunCount()
			err := fromOther(func(o *tasklet.Tasklet) error {
				if tt.kill {
					return o.KillNow(tk)
				}
				return o.ThrowNow(tk, errX)
			})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Empty(t, r.Log(), "the caller did not switch to it")
			if tt.state == paused || tt.state == blocked {
				assert.Equal(t, before+1, s.RunCount(), "made runnable with the kill or throw pending")
			}
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tasklet.Dead, tk.State())
			// A dead tasklet, from its own scheduler: the same answers.
			assert.NoError(t, main.KillNow(tk))
			assert.NoError(t, tk.Kill())
			assert.ErrorIs(t, main.ThrowNow(tk, errX), tasklet.ErrDead)
			assert.ErrorIs(t, tk.Throw(errX), tasklet.ErrDead)
		})
	}
}
