// Tests of frame deadlines and time budgets, under synctest where time must be fake.

package watchdog_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

// A frame deadline holds with several runaways, in fake time (synctest):
// computing takes no fake time, so a runaway uses exactly its slice and the
// frame's figures are exact.
func TestFrameDeadlineHoldsWithSeveralRunaways(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		s := newSched(t)
		defer closeSched(t, s)
		var rec schedtest.Recorder
		var bad []*tasklet.Tasklet
		for i := range 4 {
			bad = append(bad, schedtest.Spawn(t, s, fmt.Sprint("bad", i), runaway(&rec, fmt.Sprint("bad", i))))
			schedtest.Spawn(t, s, fmt.Sprint("ok", i), rec.Looper(fmt.Sprint("ok", i), -1))
		}
		f, err := watchdog.NewFrame(s, watchdog.FrameConfig{Budget: 16 * time.Millisecond, Slice: 5 * time.Millisecond, Strikes: 2})
		require.NoError(t, err)
		defer func() { require.NoError(t, f.Close()) }()

		// Frame 0: bad0, bad1, bad2 use their 5 ms slices; bad3 is cut by
		// the deadline at 16 ms and stays at the front with ok3.
		r, err := f.Run()
		require.NoError(t, err)
		assert.Equal(t, 16*time.Millisecond, r.Elapsed)
		assert.True(t, r.Late)
		assert.Equal(t, names(bad[:3]), names(r.Overran))
		assert.Equal(t, 4, r.Interrupted, "three slices and the deadline")
		assert.Equal(t, []string{"ok0", "ok1", "ok2"}, rec.Log())

		// Frame 1: bad3 goes on first (its slice restarts: 5 ms, a first
		// strike: the deadline's cut was none), then ok3 takes its step,
		// then the others in the order frame 0 left them: each runaway,
		// reinserted at its overrun, ahead of the entity behind it. bad0 and
		// bad1 get their second strike and die; bad2 is cut by the deadline
		// and ok2 waits.
		rec.Reset()
		r, err = f.Run()
		require.NoError(t, err)
		assert.Equal(t, 16*time.Millisecond, r.Elapsed)
		assert.True(t, r.Late)
		assert.Equal(t, names([]*tasklet.Tasklet{bad[3], bad[0], bad[1]}), names(r.Overran))
		assert.Equal(t, names([]*tasklet.Tasklet{bad[0], bad[1]}), names(r.Killed))
		assert.Equal(t, []string{"ok3", "bad0: cleanup", "ok0", "bad1: cleanup", "ok1"}, rec.Log())

		// Frame 2: bad2 overruns (second strike: dies), ok2 steps, bad3
		// overruns (second strike: dies), then the others step once and the
		// frame ends early.
		rec.Reset()
		r, err = f.Run()
		require.NoError(t, err)
		assert.Equal(t, 10*time.Millisecond, r.Elapsed)
		assert.False(t, r.Late)
		assert.Equal(t, names([]*tasklet.Tasklet{bad[2], bad[3]}), names(r.Overran))
		assert.Equal(t, names([]*tasklet.Tasklet{bad[2], bad[3]}), names(r.Killed))
		assert.Equal(t, []string{"bad2: cleanup", "ok2", "bad3: cleanup", "ok3", "ok0", "ok1"}, rec.Log())
	})
}

// TimeBudget and Sleep under testing/synctest: a runaway is interrupted
// after exactly its slice of fake time, and a sleeper that starts then
// (at 2 ms) wakes 3 ms later.
func TestTimeBudgetUnderSynctest(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		s := newSched(t)
		defer closeSched(t, s)
		var rec schedtest.Recorder
		start := time.Now()
		bad := schedtest.Spawn(t, s, "bad", runaway(&rec, "bad"))
		schedtest.Spawn(t, s, "sleeper", func(tk *tasklet.Tasklet) {
			rec.Add("sleeper: %v", tk.Sleep(3*time.Millisecond))
			rec.Add("sleeper woke at %v", time.Since(start))
		})
		victim, err := s.Run(scheduler.TimeBudget(2 * time.Millisecond))
		require.NoError(t, err)
		assert.Equal(t, bad, victim)
		assert.Equal(t, 2*time.Millisecond, time.Since(start))
		victim, err = s.Run(scheduler.TimeBudget(2*time.Millisecond), scheduler.ThreadBlock())
		require.NoError(t, err)
		assert.Nil(t, victim, "the runaway is paused: only the sleeper runs")
		require.NoError(t, s.Main().KillNow(bad))
		assert.Equal(t, []string{"sleeper: <nil>", "sleeper woke at 5ms", "bad: cleanup"}, rec.Log())
	})
}

// A 60 Hz loop over two simulated minutes: NPCs sleep and compute, one
// runaway appears at the 10th second and is killed after three strikes
// within a second, every frame keeps its budget, and the fake clock ends
// exactly two minutes later.
func TestFrameLoop60HzUnderSynctest(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		const (
			hz     = 60
			frames = 2 * 60 * hz
			period = time.Second / hz
			budget = 8 * time.Millisecond
			slice  = 2 * time.Millisecond
		)
		s := newSched(t)
		defer closeSched(t, s)
		var rec schedtest.Recorder
		steps := 0
		for i := range 10 {
			schedtest.Spawn(t, s, fmt.Sprint("npc", i), func(t *tasklet.Tasklet) {
				for {
					if t.Sleep(time.Duration(5+i)*time.Millisecond) != nil {
						return
					}
					for range 100 {
						t.Tick()
					}
					steps++
				}
			})
		}
		f, err := watchdog.NewFrame(s, watchdog.FrameConfig{Budget: budget, Slice: slice, Strikes: 3, Window: hz})
		require.NoError(t, err)
		defer func() { require.NoError(t, f.Close()) }()
		start := time.Now()
		next := start
		var bad *tasklet.Tasklet
		maxFrame := time.Duration(0)
		overran := 0
		for frame := range frames {
			if frame == 10*hz {
				bad = schedtest.Spawn(t, s, "bad", runaway(&rec, "bad"))
			}
			r, err := f.Run()
			require.NoError(t, err)
			maxFrame = max(maxFrame, r.Elapsed)
			overran += len(r.Overran)
			if len(r.Killed) > 0 {
				rec.Add("frame %d: killed %s after %d overruns", frame, r.Killed[0].Name(), overran)
			}
			next = next.Add(period)
			time.Sleep(time.Until(next))
		}
		assert.Equal(t, frames*period, time.Since(start))
		assert.Equal(t, slice, maxFrame, "a runaway's slice is the longest frame")
		assert.Equal(t, []string{"bad: cleanup", "frame 602: killed bad after 3 overruns"}, rec.Log())
		assert.False(t, bad.Alive())
		// Timers fire as a frame starts: each NPC, asleep for less than a
		// frame, steps once a frame from the second frame on.
		assert.Equal(t, 10*(frames-1), steps)
	})
}

// scheduler.Deadline ends Run at the first tick past it: the tasklet it cuts
// is no victim and stays first in the run queue, scheduled.
func TestDeadlineCutsAndKeepsTheTaskletFirst(t *testing.T) {
	tests := []struct {
		name    string
		opts    func(start time.Time) []scheduler.RunOption
		elapsed time.Duration
		victim  string // "" for none
		log     []string
	}{
		{"deadline alone", func(st time.Time) []scheduler.RunOption {
			return []scheduler.RunOption{scheduler.Deadline(st.Add(3 * time.Millisecond))}
		}, 3 * time.Millisecond, "", []string{"a"}},
		{"deadline before the slice's end", func(st time.Time) []scheduler.RunOption {
			return []scheduler.RunOption{scheduler.Deadline(st.Add(3 * time.Millisecond)), scheduler.TimeBudget(5 * time.Millisecond)}
		}, 3 * time.Millisecond, "", []string{"a"}},
		{"slice before the deadline", func(st time.Time) []scheduler.RunOption {
			return []scheduler.RunOption{scheduler.Deadline(st.Add(8 * time.Millisecond)), scheduler.TimeBudget(5 * time.Millisecond)}
		}, 5 * time.Millisecond, "bad", []string{"a"}},
		{"deadline already past", func(st time.Time) []scheduler.RunOption {
			return []scheduler.RunOption{scheduler.Deadline(st.Add(-time.Second))}
		}, 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			synctest.Test(t, func(t *testing.T) {
				s := newSched(t)
				defer closeSched(t, s)
				var rec schedtest.Recorder
				schedtest.Spawn(t, s, "a", rec.Looper("a", 1))
				bad := schedtest.Spawn(t, s, "bad", runaway(&rec, "bad"))
				start := time.Now()
				victim, err := s.Run(tt.opts(start)...)
				require.NoError(t, err)
				assert.Equal(t, tt.elapsed, time.Since(start))
				if tt.victim == "" {
					assert.Nil(t, victim)
					assert.Equal(t, tasklet.Scheduled, bad.State(), "cut, it stays runnable")
				} else {
					require.NotNil(t, victim)
					assert.Equal(t, tt.victim, victim.Name())
					assert.Equal(t, tasklet.Paused, bad.State())
				}
				assert.Equal(t, tt.log, rec.Log())
				require.NoError(t, s.Main().KillNow(bad))
			})
		})
	}
}
