// Tests of kills, throws, panics and the error handler: how pending signals
// reach a tasklet and what its death delivers.

package scheduler_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func TestKillOrdering(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*testing.T, *scheduler.Scheduler, *recorder) *tasklet.Tasklet
		want  []string
	}{
		{
			name: "never run: dies before its first instruction",
			setup: func(t *testing.T, s *scheduler.Scheduler, r *recorder) *tasklet.Tasklet {
				return spawn(t, s, "v", func(*tasklet.Tasklet) { r.Add("v ran") })
			},
			want: []string{"main after kill"},
		},
		{
			name: "paused: unwinds, then the killer resumes",
			setup: func(t *testing.T, s *scheduler.Scheduler, r *recorder) *tasklet.Tasklet {
				v := spawn(t, s, "v", func(tk *tasklet.Tasklet) {
					defer r.Add("v deferred")
					r.Add("v paused")
					_, _ = tk.ScheduleRemove()
					r.Add("v not reached")
				})
				require.NoError(t, s.Main().Schedule())
				return v
			},
			want: []string{"v paused", "v deferred", "main after kill"},
		},
		{
			name: "scheduled: switched to in place, unwinds",
			setup: func(t *testing.T, s *scheduler.Scheduler, r *recorder) *tasklet.Tasklet {
				v := spawn(t, s, "v", func(tk *tasklet.Tasklet) {
					defer r.Add("v deferred")
					for {
						r.Add("v")
						_ = tk.Schedule()
					}
				})
				require.NoError(t, s.Main().Schedule())
				return v
			},
			want: []string{"v", "v deferred", "main after kill"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			v := tt.setup(t, s, &r)
			require.NoError(t, s.Main().KillNow(v))
			r.Add("main after kill")
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tasklet.Dead, v.State())
			require.NoError(t, v.Kill(), "killing a dead tasklet is a no-op")
			assert.ErrorIs(t, v.Throw(errors.New("x")), tasklet.ErrDead)
		})
	}
}

func TestPendingKillRunsAtTurn(t *testing.T) {
	s := start(t)
	var r recorder
	v := spawn(t, s, "v", func(tk *tasklet.Tasklet) {
		defer r.Add("v deferred")
		for {
			r.Add("v")
			_ = tk.Schedule()
		}
	})
	spawn(t, s, "w", r.Looper("w", 2))
	main := s.Main()
	require.NoError(t, main.Schedule()) // v, w, main
	require.NoError(t, v.Kill())        // pending: main continues
	r.Add("main continues")
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"v", "w", "main continues", "v deferred", "w"}, r.Log())
}

func TestSelfKillUnwindsSilently(t *testing.T) {
	s := start(t)
	var r recorder
	v := spawn(t, s, "v", func(tk *tasklet.Tasklet) {
		defer r.Add("deferred")
		_ = tk.KillNow(tk)
		r.Add("not reached")
	})
	_, err := s.Run()
	require.NoError(t, err, "a kill is not an uncaught error")
	assert.Equal(t, []string{"deferred"}, r.Log())
	assert.Equal(t, tasklet.Dead, v.State())
}

func TestKillCanBeRecovered(t *testing.T) {
	s := start(t)
	var r recorder
	spawn(t, s, "v", func(tk *tasklet.Tasklet) {
		func() {
			defer func() {
				if p := recover(); tasklet.IsKill(p) {
					r.Add("recovered kill")
				}
			}()
			_ = tk.KillNow(tk)
		}()
		r.Add("carries on")
	})
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"recovered kill", "carries on"}, r.Log())
}

func TestThrow(t *testing.T) {
	t.Run("never run: its uncaught error, body never runs", func(t *testing.T) {
		s := start(t)
		ran := false
		v := spawn(t, s, "v", func(*tasklet.Tasklet) { ran = true })
		require.NoError(t, v.Throw(errBoom))
		_, err := s.Run()
		assert.ErrorIs(t, err, errBoom)
		assert.False(t, ran)
		assert.Equal(t, tasklet.Dead, v.State())
	})
	t.Run("paused: its pending call returns the error", func(t *testing.T) {
		s := start(t)
		var got error
		v := spawn(t, s, "v", func(tk *tasklet.Tasklet) { _, got = tk.ScheduleRemove() })
		require.NoError(t, s.Main().Schedule())
		require.NoError(t, s.Main().ThrowNow(v, errBoom))
		assert.ErrorIs(t, got, errBoom)
		assert.Equal(t, tasklet.Dead, v.State())
	})
	t.Run("self: returned at once", func(t *testing.T) {
		s := start(t)
		main := s.Main()
		assert.ErrorIs(t, main.ThrowNow(main, errBoom), errBoom)
		assert.ErrorIs(t, main.Throw(nil), tasklet.ErrNilError)
	})
}

func TestPanicPropagatesSkippingRunnables(t *testing.T) {
	s := start(t)
	var r recorder
	bad := spawn(t, s, "bad", func(*tasklet.Tasklet) { panic(errBoom) })
	spawn(t, s, "t2", r.Looper("t2", 1))
	spawn(t, s, "t3", r.Looper("t3", 1))
	_, err := s.Run()
	var pe *tasklet.PanicError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, errBoom)
	assert.Same(t, bad, pe.Tasklet)
	assert.Contains(t, string(pe.Stack), "scheduler_test")
	assert.Empty(t, r.Log(), "delivered at once, skipping the runnable tasklets")
	assert.Equal(t, 3, s.RunCount(), "t2 and t3 stay scheduled")
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"t2", "t3"}, r.Log())
}

func TestPanicDeliveredToMainOutsideRun(t *testing.T) {
	s := start(t)
	spawn(t, s, "bad", func(*tasklet.Tasklet) { panic("oops") })
	err := s.Main().Schedule()
	var pe *tasklet.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "oops", pe.Value)
}

func TestErrorHandler(t *testing.T) {
	errReplaced := errors.New("replaced")
	tests := []struct {
		name    string
		handler func(*tasklet.Tasklet, error) error
		want    error
	}{
		{"swallow", func(*tasklet.Tasklet, error) error { return nil }, nil},
		{"replace", func(*tasklet.Tasklet, error) error { return errReplaced }, errReplaced},
		{"pass on", func(_ *tasklet.Tasklet, err error) error { return err }, errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var seen []string
			s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				seen = append(seen, tk.Name()+" "+tk.State().String())
				return tt.handler(tk, err)
			}))
			defer closeSched(t, s)
			var r recorder
			spawn(t, s, "bad", func(*tasklet.Tasklet) { panic(errBoom) })
			spawn(t, s, "ok", r.Looper("ok", 1))
			_, err := s.Run()
			if tt.want == nil {
				require.NoError(t, err)
				assert.Equal(t, []string{"ok"}, r.Log())
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
			assert.Equal(t, []string{"bad current"}, seen, "called in the dying tasklet's context")
		})
	}
}

func TestGoexitEndsOnlyTheTasklet(t *testing.T) {
	s := start(t)
	var r recorder
	g := spawn(t, s, "g", func(*tasklet.Tasklet) {
		defer r.Add("g deferred")
		runtime.Goexit()
	})
	spawn(t, s, "after", r.Looper("after", 1))
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"g deferred", "after"}, r.Log())
	assert.Equal(t, tasklet.Dead, g.State())
}
