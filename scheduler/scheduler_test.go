package scheduler_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func TestSpawnRunsInCreationOrder(t *testing.T) {
	s := start(t)
	var r recorder
	for _, n := range []string{"a", "b", "c"} {
		spawn(t, s, n, r.Looper(n, 2))
	}
	assert.Equal(t, 4, s.RunCount(), "main plus three spawned")
	v, err := s.Run()
	require.NoError(t, err)
	assert.Nil(t, v)
	assert.Equal(t, []string{"a", "b", "c", "a", "b", "c"}, r.Log())
	assert.Equal(t, 1, s.RunCount())
	assert.Equal(t, 0, s.Len())
}

func TestScheduleOrderingAndMain(t *testing.T) {
	s := start(t)
	var r recorder
	spawn(t, s, "a", r.Looper("a", 2))
	spawn(t, s, "b", r.Looper("b", 2))
	main := s.Main()
	assert.True(t, main.IsMain())
	assert.True(t, main.IsCurrent())
	require.NoError(t, main.Schedule())
	r.Add("main")
	require.NoError(t, main.Schedule())
	r.Add("main")
	require.NoError(t, main.Schedule()) // a and b end during this cycle
	r.Add("main")
	assert.Equal(t, []string{"a", "b", "main", "a", "b", "main", "main"}, r.Log())
	require.NoError(t, main.Schedule(), "alone: a no-op")
}

// Run(t2) from main with three looping tasklets runs t2, t3, then main: the
// caller keeps its place in the ring.
func TestRunInPlace(t *testing.T) {
	s := start(t)
	var r recorder
	spawn(t, s, "t1", r.Looper("t1", -1))
	t2 := spawn(t, s, "t2", r.Looper("t2", -1))
	spawn(t, s, "t3", r.Looper("t3", -1))
	main := s.Main()
	require.NoError(t, main.Run(t2))
	r.Add("main")
	require.NoError(t, main.Schedule())
	r.Add("main")
	assert.Equal(t, []string{"t2", "t3", "main", "t1", "t2", "t3", "main"}, r.Log())
	assert.Equal(t, 4, s.RunCount())
}

func TestRunPausedTargetAppendsIt(t *testing.T) {
	s := start(t)
	var r recorder
	spawn(t, s, "a", r.Looper("a", -1))
	p, err := s.NewTasklet("p", r.Looper("p", -1))
	require.NoError(t, err)
	assert.Equal(t, tasklet.New, p.State())
	assert.False(t, p.Alive())
	main := s.Main()
	require.NoError(t, main.Run(p)) // p is appended just before main and run in place
	r.Add("main")
	require.NoError(t, main.Schedule())
	assert.Equal(t, []string{"p", "main", "a", "p"}, r.Log())
}

func TestSwitchPausesCaller(t *testing.T) {
	s := start(t)
	var r recorder
	var a *tasklet.Tasklet
	b, err := s.NewTasklet("b", func(tk *tasklet.Tasklet) {
		r.Add("b sees a %v", a.State())
		assert.NoError(t, a.Insert())
		r.Add("b inserted a")
	})
	require.NoError(t, err)
	a = spawn(t, s, "a", func(tk *tasklet.Tasklet) {
		r.Add("a")
		assert.NoError(t, tk.Switch(b))
		r.Add("a resumed")
	})
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b sees a paused", "b inserted a", "a resumed"}, r.Log())
}

func TestSwitchToSelfIsNoop(t *testing.T) {
	s := start(t)
	main := s.Main()
	require.NoError(t, main.Switch(main))
	require.NoError(t, main.Run(main))
	assert.True(t, main.IsCurrent())
}

func TestInsertScheduledIsNoop(t *testing.T) {
	s := start(t)
	var r recorder
	a := spawn(t, s, "a", r.Looper("a", 1))
	spawn(t, s, "b", r.Looper("b", 1))
	require.NoError(t, a.Insert(), "already scheduled: not moved")
	assert.Equal(t, 3, s.RunCount())
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, r.Log())
}

func TestRemoveAndInsert(t *testing.T) {
	s := start(t)
	var r recorder
	a := spawn(t, s, "a", r.Looper("a", 1))
	spawn(t, s, "b", r.Looper("b", 1))
	require.NoError(t, a.Remove())
	assert.True(t, a.Paused())
	require.NoError(t, a.Remove(), "removing a paused tasklet is a no-op")
	assert.Equal(t, 2, s.RunCount())
	require.NoError(t, a.Insert())
	assert.True(t, a.Scheduled())
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "a"}, r.Log())
	assert.ErrorIs(t, s.Main().Remove(), tasklet.ErrCurrent)
}

func TestScheduleRemoveCarriesValue(t *testing.T) {
	s := start(t)
	var got any
	w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
		v, err := tk.ScheduleRemove()
		assert.NoError(t, err)
		got = v
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	assert.True(t, w.Paused())
	assert.Equal(t, 1, s.RunCount())
	require.NoError(t, w.InsertValue(42))
	require.NoError(t, main.Schedule())
	assert.Equal(t, 42, got)
	assert.Equal(t, tasklet.Dead, w.State())
}

// Regression: InsertValue gives a value only to a suspended ScheduleRemove.
// A tasklet paused otherwise (the caller of Switch, one paused by Remove
// while suspended in Schedule) has no call to return it: ErrNoValue, and
// it stays paused. A ScheduleRemove caller inserted and then removed again
// still takes the value.
func TestInsertValueNeedsScheduleRemove(t *testing.T) {
	tests := []struct {
		name  string
		body  func(tk, other *tasklet.Tasklet, log *[]string)
		pause func(t *testing.T, w *tasklet.Tasklet, main *tasklet.Tasklet)
		want  error
		log   []string
	}{
		{"Switch", func(tk, other *tasklet.Tasklet, log *[]string) {
			err := tk.Switch(other)
			*log = append(*log, fmt.Sprint("w: switch returns ", err))
		}, func(t *testing.T, w, main *tasklet.Tasklet) {}, tasklet.ErrNoValue,
			[]string{"o", "w: switch returns <nil>"}},
		{"RemovedInSchedule", func(tk, other *tasklet.Tasklet, log *[]string) {
			err := tk.Schedule()
			*log = append(*log, fmt.Sprint("w: schedule returns ", err))
		}, func(t *testing.T, w, main *tasklet.Tasklet) { require.NoError(t, w.Remove()) }, tasklet.ErrNoValue,
			[]string{"o", "w: schedule returns <nil>"}},
		{"ScheduleRemoveReinsertedAndRemoved", func(tk, other *tasklet.Tasklet, log *[]string) {
			v, err := tk.ScheduleRemove()
			*log = append(*log, fmt.Sprint("w: schedule-remove returns ", v, " ", err))
		}, func(t *testing.T, w, main *tasklet.Tasklet) {
			require.NoError(t, w.Insert())
			require.NoError(t, w.Remove())
		}, nil, []string{"o", "w: schedule-remove returns 42 <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			main := s.Main()
			var log []string
			o, err := s.SpawnNamed("o", func(*tasklet.Tasklet) { log = append(log, "o") })
			require.NoError(t, err)
			require.NoError(t, o.Remove())
			w := spawn(t, s, "w", func(tk *tasklet.Tasklet) { tt.body(tk, o, &log) })
			require.NoError(t, main.Schedule()) // w runs to its suspension
			if tt.name == "Switch" {
				require.NoError(t, main.Schedule()) // o runs, w stays paused
			} else {
				require.NoError(t, o.Insert())
			}
			tt.pause(t, w, main)
			require.Equal(t, tasklet.Paused, w.State())
			err = w.InsertValue(42)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				assert.Equal(t, tasklet.Paused, w.State(), "nothing changes")
				require.NoError(t, w.Insert())
			} else {
				require.NoError(t, err)
			}
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.log, log)
		})
	}
}

var errBoom = errors.New("boom")

func TestScheduleCallback(t *testing.T) {
	defer goleak.VerifyNone(t)
	var switches []string
	var s *scheduler.Scheduler
	var cbErr error
	s = newSched(t, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
		switches = append(switches, prev.Name()+">"+next.Name())
		if next.Name() == "b" {
			_, cbErr = s.RunFrom(next)
			panic("ignored")
		}
	}))
	defer closeSched(t, s)
	var r recorder
	spawn(t, s, "a", r.Looper("a", 1))
	spawn(t, s, "b", r.Looper("b", 1))
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"main>a", "a>b", "b>a", "a>b", "b>main"}, switches)
	assert.ErrorIs(t, cbErr, tasklet.ErrInCallback)
}

func TestNestedRunFromTasklet(t *testing.T) {
	s := start(t)
	var r recorder
	spawn(t, s, "outer", func(tk *tasklet.Tasklet) {
		r.Add("outer runs")
		spawn(t, s, "inner", r.Looper("inner", 2))
		_, err := s.RunFrom(tk)
		assert.NoError(t, err)
		r.Add("outer's Run returned")
	})
	spawn(t, s, "other", r.Looper("other", 2))
	_, err := s.Run()
	require.NoError(t, err)
	// outer's Run takes it out of the ring; the innermost Run returns first
	// when the ring empties.
	assert.Equal(t, []string{"outer runs", "other", "inner", "other", "inner", "outer's Run returned"}, r.Log())
}

func TestMainPausedIsResumedWhenRingEmpties(t *testing.T) {
	s := start(t)
	var r recorder
	spawn(t, s, "a", r.Looper("a", 2))
	v, err := s.Main().ScheduleRemove()
	require.NoError(t, err)
	assert.Nil(t, v)
	r.Add("main")
	assert.Equal(t, []string{"a", "a", "main"}, r.Log())
}

func TestSleepOrderingFakeClock(t *testing.T) {
	defer goleak.VerifyNone(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := scheduler.NewFakeClock(start)
	s := newSched(t, scheduler.WithClock(clk))
	defer closeSched(t, s)
	var r recorder
	sleeper := func(name string, d time.Duration) {
		spawn(t, s, name, func(tk *tasklet.Tasklet) {
			assert.NoError(t, tk.Sleep(d))
			r.Add("%s@%v", name, clk.Now().Sub(start))
		})
	}
	sleeper("a", 30*time.Millisecond)
	sleeper("b", 10*time.Millisecond)
	sleeper("c", 20*time.Millisecond)
	sleeper("d", 10*time.Millisecond)
	spawn(t, s, "zero", func(tk *tasklet.Tasklet) {
		r.Add("zero before")
		assert.NoError(t, tk.Sleep(0))
		r.Add("zero after")
	})
	spawn(t, s, "runnable", r.Looper("runnable", 1))
	require.NoError(t, s.Main().Sleep(50*time.Millisecond))
	r.Add("main@%v", clk.Now().Sub(start))
	assert.Equal(t, []string{
		"zero before", "runnable", "zero after",
		"b@10ms", "d@10ms", "c@20ms", "a@30ms", "main@50ms",
	}, r.Log())
}

func TestBadInput(t *testing.T) {
	s := start(t)
	other := newSched(t)
	defer closeSched(t, other)
	main := s.Main()

	_, err := s.Spawn(nil)
	assert.ErrorIs(t, err, tasklet.ErrNilFunc)
	_, err = scheduler.New(scheduler.WithClock(nil))
	assert.ErrorIs(t, err, scheduler.ErrNilClock)

	dead := spawn(t, s, "dead", func(*tasklet.Tasklet) {})
	_, err = s.Run()
	require.NoError(t, err)
	assert.ErrorIs(t, dead.Insert(), tasklet.ErrDead)
	assert.ErrorIs(t, main.Run(dead), tasklet.ErrDead)

	foreign := spawn(t, other, "foreign", func(*tasklet.Tasklet) {})
	assert.ErrorIs(t, main.Switch(foreign), tasklet.ErrForeign)
	_, err = s.RunFrom(foreign)
	assert.ErrorIs(t, err, tasklet.ErrForeign)

	idle := spawn(t, s, "idle", func(*tasklet.Tasklet) {})
	assert.ErrorIs(t, idle.Schedule(), tasklet.ErrNotCurrent)
	_, err = idle.ScheduleRemove()
	assert.ErrorIs(t, err, tasklet.ErrNotCurrent)
	assert.ErrorIs(t, idle.Sleep(time.Millisecond), tasklet.ErrNotCurrent)
	assert.Equal(t, 2, s.RunCount(), "state intact")
	assert.Equal(t, tasklet.Scheduled, idle.State())
	_, err = s.Run()
	require.NoError(t, err)
	_, err = other.Run() // other's driver is this goroutine too
	require.NoError(t, err)
}

func TestCloseKillsTasklets(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	var r recorder
	var paused *tasklet.Tasklet
	for _, n := range []string{"a", "b"} {
		spawn(t, s, n, func(tk *tasklet.Tasklet) {
			defer r.Add("%s cleanup", n)
			for {
				_ = tk.Schedule()
			}
		})
	}
	paused = spawn(t, s, "p", func(tk *tasklet.Tasklet) {
		defer r.Add("p cleanup")
		_, _ = tk.ScheduleRemove()
	})
	fresh, err := s.NewTasklet("fresh", func(*tasklet.Tasklet) { r.Add("fresh ran") })
	require.NoError(t, err)
	require.NoError(t, s.Main().Schedule())
	require.NoError(t, s.Close())
	assert.ElementsMatch(t, []string{"a cleanup", "b cleanup", "p cleanup"}, r.Log())
	for _, tk := range []*tasklet.Tasklet{paused, fresh} {
		assert.Equal(t, tasklet.Dead, tk.State())
		assert.Error(t, tk.Insert())
	}
	assert.ErrorIs(t, s.Close(), tasklet.ErrSchedulerClosed)
	_, err = s.Spawn(func(*tasklet.Tasklet) {})
	assert.ErrorIs(t, err, tasklet.ErrSchedulerClosed)
	assert.ErrorIs(t, s.Main().Schedule(), tasklet.ErrSchedulerClosed)
}
