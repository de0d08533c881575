// Tests of Frame: one step per tasklet per frame, strikes across frames, interruption points.

package watchdog_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

// names returns the tasklets' names, for readable comparisons.
func names(ts []*tasklet.Tasklet) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Name())
	}
	return out
}

// runaway returns a body that ticks forever and records its cleanup.
func runaway(rec *schedtest.Recorder, name string) func(*tasklet.Tasklet) {
	return func(t *tasklet.Tasklet) {
		defer rec.Add("%s: cleanup", name)
		for {
			t.Tick()
		}
	}
}

func TestFrameStepsEachTaskletOncePerFrame(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var rec schedtest.Recorder
	for _, n := range []string{"a", "b", "c"} {
		schedtest.Spawn(t, s, n, rec.Looper(n, -1))
	}
	f, err := watchdog.NewFrame(s, watchdog.FrameConfig{Budget: time.Second, SliceTicks: 1000})
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	for frame := range 3 {
		rec.Add("frame %d", frame)
		r, err := f.Run()
		require.NoError(t, err)
		assert.Equal(t, frame, r.Frame)
		assert.False(t, r.Late)
		assert.Equal(t, 3+frame/2, r.Runnable, "every entity yielded: it waits for the next frame")
		assert.Empty(t, r.Overran)
		if frame == 1 {
			// Inserted by main between frames: it joins the end, and is
			// stepped once, in this order, from the next frame on.
			schedtest.Spawn(t, s, "d", rec.Looper("d", -1))
		}
	}
	assert.Equal(t, []string{
		"frame 0", "a", "b", "c",
		"frame 1", "a", "b", "c",
		"frame 2", "a", "b", "c", "d",
	}, rec.Log())
}

// A tasklet inserted by a tasklet of the same scheduler during a frame
// joins the end of the run queue, behind the mark: it runs in the next
// frame.
func TestFrameInsertedDuringAFrameRunsInTheNext(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var rec schedtest.Recorder
	late, err := s.NewTasklet("late", rec.Looper("late", -1))
	require.NoError(t, err)
	schedtest.Spawn(t, s, "a", func(t *tasklet.Tasklet) {
		rec.Add("a inserts late")
		_ = late.Insert()
		rec.Looper("a", -1)(t)
	})
	f, err := watchdog.NewFrame(s, watchdog.FrameConfig{})
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	for frame := range 2 {
		rec.Add("frame %d", frame)
		_, err := f.Run()
		require.NoError(t, err)
	}
	assert.Equal(t, []string{
		"frame 0", "a inserts late", "a",
		"frame 1", "late", "a",
	}, rec.Log())
}

func TestFrameStrikesPersistAcrossFrames(t *testing.T) {
	tests := []struct {
		name     string
		strikes  int
		window   int
		overruns []bool // per frame: whether the runaway runs past its slice
		killedAt int    // frame that kills it, -1 for never
	}{
		{"three strikes in three frames", 3, 0, []bool{true, true, true, true}, 2},
		{"two strikes within three frames", 2, 3, []bool{true, false, true, false}, 2},
		{"strikes out of the window are forgotten", 2, 2, []bool{true, false, true, false, true}, -1},
		{"three strikes within five frames", 3, 5, []bool{true, false, true, false, true, true}, 4},
		{"never killed without Strikes", 0, 0, []bool{true, true, true}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var rec schedtest.Recorder
			frame := 0
			bad := schedtest.Spawn(t, s, "bad", func(t *tasklet.Tasklet) {
				defer rec.Add("bad: cleanup")
				for {
					if f0 := frame; f0 < len(tt.overruns) && tt.overruns[f0] {
						for frame == f0 { // until interrupted: its step goes on next frame
							t.Tick()
						}
						continue
					}
					_ = t.Schedule()
				}
			})
			schedtest.Spawn(t, s, "good", rec.Looper("good", -1))
			f, err := watchdog.NewFrame(s, watchdog.FrameConfig{SliceTicks: 1000, Strikes: tt.strikes, Window: tt.window})
			require.NoError(t, err)
			defer func() { require.NoError(t, f.Close()) }()
			killedAt := -1
			for frame = range tt.overruns {
				r, err := f.Run()
				require.NoError(t, err)
				if killedAt >= 0 {
					assert.Empty(t, names(r.Overran), "frame %d: dead", frame)
				} else if tt.overruns[frame] {
					assert.Equal(t, names([]*tasklet.Tasklet{bad}), names(r.Overran), "frame %d", frame)
				} else {
					assert.Empty(t, names(r.Overran), "frame %d", frame)
				}
				if len(r.Killed) > 0 {
					assert.Equal(t, names([]*tasklet.Tasklet{bad}), names(r.Killed))
					assert.Equal(t, -1, killedAt, "killed once")
					killedAt = frame
				}
			}
			assert.Equal(t, tt.killedAt, killedAt)
			if tt.killedAt >= 0 {
				assert.Contains(t, rec.Log(), "bad: cleanup")
				assert.False(t, bad.Alive())
			}
		})
	}
}

// Operations that count a tick without switching are interruption points:
// a loop of buffered channel operations with room, or of uncontended lock
// operations, is interrupted under tick and time budgets.
func TestNonSwitchingOperationsAreInterruptionPoints(t *testing.T) {
	type loop func(t *tasklet.Tasklet, n *int)
	buffered := func(t *tasklet.Tasklet, n *int) {
		ch, _ := channel.NewBuffered[int](1)
		for ; ; *n++ {
			_ = ch.Send(t, 1)
			_, _ = ch.Receive(t)
		}
	}
	lock := func(t *tasklet.Tasklet, n *int) {
		var l locks.Lock
		for ; ; *n++ {
			_ = l.Acquire(t)
			_ = l.Release(t)
		}
	}
	tests := []struct {
		name   string
		loop   loop
		budget scheduler.RunOption
		iters  []int // iterations done at each interrupt; nil: not exact (wall time)
	}{
		// Two ticks an iteration: the first slice has a tick less (the
		// tasklet's start).
		{"buffered channel under a tick budget", buffered, scheduler.TickBudget(100), []int{49, 99, 149}},
		{"uncontended lock under a tick budget", lock, scheduler.TickBudget(100), []int{99, 199, 299}},
		{"buffered channel under a time budget", buffered, scheduler.TimeBudget(time.Millisecond), nil},
		{"uncontended lock under a time budget", lock, scheduler.TimeBudget(time.Millisecond), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			n := 0
			tk := schedtest.Spawn(t, s, "loop", func(t *tasklet.Tasklet) { tt.loop(t, &n) })
			for round := 1; round <= 3; round++ {
				victim, err := s.Run(tt.budget)
				require.NoError(t, err)
				require.Equal(t, tk, victim, "interrupted in round %d", round)
				if tt.iters != nil {
					assert.Equal(t, tt.iters[round-1], n)
				}
				require.NoError(t, victim.Insert())
			}
			require.NoError(t, s.Main().KillNow(tk))
		})
	}
}

func TestFrameBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	tests := []struct {
		name string
		s    *scheduler.Scheduler
		cfg  watchdog.FrameConfig
		err  error
	}{
		{"nil scheduler", nil, watchdog.FrameConfig{}, watchdog.ErrNilScheduler},
		{"negative budget", s, watchdog.FrameConfig{Budget: -1}, watchdog.ErrBadFrame},
		{"negative slice", s, watchdog.FrameConfig{Slice: -1}, watchdog.ErrBadFrame},
		{"negative slice ticks", s, watchdog.FrameConfig{SliceTicks: -1}, watchdog.ErrBadFrame},
		{"negative strikes", s, watchdog.FrameConfig{Strikes: -1}, watchdog.ErrBadFrame},
		{"negative window", s, watchdog.FrameConfig{Window: -1}, watchdog.ErrBadFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := watchdog.NewFrame(tt.s, tt.cfg)
			assert.ErrorIs(t, err, tt.err)
			assert.Nil(t, f)
		})
	}
	f, err := watchdog.NewFrame(s, watchdog.FrameConfig{})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "twice: nothing")
	_, err = f.Run()
	assert.ErrorIs(t, err, watchdog.ErrFrameClosed)
}
