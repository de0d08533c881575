package torture

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Every exported call given nil, zero values, dead tasklets, closed
// schedulers or tasklets of another scheduler returns its documented error,
// changes nothing, and the runtime keeps working: after each case, a
// follow-up handoff between two tasklets succeeds.
func TestBadInputEverywhere(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	other, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, other.Close()) }()
	closed, err := scheduler.New()
	require.NoError(t, err)
	closedTasklet, err := closed.NewTasklet("gone", func(*tasklet.Tasklet) {})
	require.NoError(t, err)
	require.NoError(t, closed.Close())

	main := s.Main()
	dead, err := s.Spawn(func(*tasklet.Tasklet) {})
	require.NoError(t, err)
	ch := channel.New[int]()
	blocked, err := s.Spawn(func(t *tasklet.Tasklet) { _, _ = ch.Receive(t) })
	require.NoError(t, err)
	_, err = s.Run()
	require.NoError(t, err)
	require.Equal(t, tasklet.Dead, dead.State())
	require.Equal(t, tasklet.Blocked, blocked.State())
	foreign, err := other.Spawn(func(*tasklet.Tasklet) {})
	require.NoError(t, err)
	idle, err := s.NewTasklet("idle", func(*tasklet.Tasklet) {})
	require.NoError(t, err)
	var nilCh *channel.Channel[int]

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"Spawn(nil)", func() error { _, err := s.Spawn(nil); return err }, tasklet.ErrNilFunc},
		{"NewTasklet(nil)", func() error { _, err := s.NewTasklet("x", nil); return err }, tasklet.ErrNilFunc},
		{"New(WithClock(nil))", func() error { _, err := scheduler.New(scheduler.WithClock(nil)); return err }, scheduler.ErrNilClock},
		{"New(WithScheduleCallback(nil))", func() error { _, err := scheduler.New(scheduler.WithScheduleCallback(nil)); return err }, tasklet.ErrNilFunc},
		{"New(WithErrorHandler(nil))", func() error { _, err := scheduler.New(scheduler.WithErrorHandler(nil)); return err }, tasklet.ErrNilFunc},
		{"New(WithStallReport(0))", func() error { _, err := scheduler.New(scheduler.WithStallReport(0)); return err }, scheduler.ErrBadBudget},
		{"Run(TickBudget(-1))", func() error { _, err := s.Run(scheduler.TickBudget(-1)); return err }, scheduler.ErrBadBudget},
		{"RunFrom(nil)", func() error { _, err := s.RunFrom(nil); return err }, tasklet.ErrDead},
		{"RunFrom(foreign)", func() error { _, err := s.RunFrom(foreign); return err }, tasklet.ErrForeign},
		{"RunFrom(not current)", func() error { _, err := s.RunFrom(idle); return err }, tasklet.ErrNotCurrent},
		{"dead.Insert", dead.Insert, tasklet.ErrDead},
		{"dead.InsertValue", func() error { return dead.InsertValue(1) }, tasklet.ErrDead},
		{"dead.Remove", dead.Remove, tasklet.ErrDead},
		{"dead.Throw", func() error { return dead.Throw(errors.New("x")) }, tasklet.ErrDead},
		{"main.Run(dead)", func() error { return main.Run(dead) }, tasklet.ErrDead},
		{"main.Switch(dead)", func() error { return main.Switch(dead) }, tasklet.ErrDead},
		{"main.Run(nil)", func() error { return main.Run(nil) }, tasklet.ErrDead},
		{"blocked.Insert", blocked.Insert, tasklet.ErrBlocked},
		{"blocked.Remove", blocked.Remove, tasklet.ErrBlocked},
		{"main.Run(blocked)", func() error { return main.Run(blocked) }, tasklet.ErrBlocked},
		{"main.Remove", main.Remove, tasklet.ErrCurrent},
		{"main.KillNow(nil)", func() error { return main.KillNow(nil) }, tasklet.ErrDead},
		{"main.ThrowNow(nil, err)", func() error { return main.ThrowNow(nil, errors.New("x")) }, tasklet.ErrDead},
		{"Throw(nil)", func() error { return idle.Throw(nil) }, tasklet.ErrNilError},
		{"main.Switch(foreign)", func() error { return main.Switch(foreign) }, tasklet.ErrForeign},
		{"main.ThrowNow(dead foreign, err)", func() error { return main.ThrowNow(closedTasklet, errors.New("x")) }, tasklet.ErrDead},
		{"main.InsertValue (running)", func() error { return main.InsertValue(1) }, tasklet.ErrScheduled},
		{"idle.Schedule (not current)", idle.Schedule, tasklet.ErrNotCurrent},
		{"idle.Sleep (not current)", func() error { return idle.Sleep(0) }, tasklet.ErrNotCurrent},
		{"closed.Spawn", func() error { _, err := closed.Spawn(func(*tasklet.Tasklet) {}); return err }, tasklet.ErrSchedulerClosed},
		{"closed.Close", closed.Close, tasklet.ErrSchedulerClosed},
		{"closed.Main().Schedule", closed.Main().Schedule, tasklet.ErrSchedulerClosed},
		{"closed tasklet Insert", closedTasklet.Insert, tasklet.ErrDead},
		{"Adopt(nil)", func() error { return s.Adopt(nil) }, tasklet.ErrDead},
		{"Adopt(main)", func() error { return s.Adopt(other.Main()) }, tasklet.ErrMain},
		{"Adopt(runnable)", func() error { return s.Adopt(foreign) }, tasklet.ErrRunnable},
		{"closed.Adopt", func() error { return closed.Adopt(idle) }, tasklet.ErrSchedulerClosed},
		{"Blocking(nil fn)", func() error {
			_, err := scheduler.Blocking[int](main, nil)
			return err
		}, tasklet.ErrNilFunc},
		{"Blocking(not current)", func() error {
			_, err := scheduler.Blocking(idle, func(context.Context) (int, error) { return 0, nil })
			return err
		}, tasklet.ErrNotCurrent},
		{"nil channel Send", func() error { return nilCh.Send(main, 1) }, channel.ErrNilChannel},
		{"nil channel Receive", func() error { _, err := nilCh.Receive(main); return err }, channel.ErrNilChannel},
		{"nil channel Close", func() error { return nilCh.Close(main) }, channel.ErrNilChannel},
		{"Send(nil tasklet)", func() error { return ch.Send(nil, 1) }, tasklet.ErrNotCurrent},
		{"Receive(not current)", func() error { _, err := ch.Receive(idle); return err }, tasklet.ErrNotCurrent},
		{"SendError(nil)", func() error { return ch.SendError(main, nil) }, tasklet.ErrNilError},
		{"SetPreference(5)", func() error { return ch.SetPreference(5) }, channel.ErrBadPreference},
		{"NewBuffered(-1)", func() error { _, err := channel.NewBuffered[int](-1); return err }, channel.ErrNegativeSize},
	}
	follow := channel.New[int]()
	// The cases run on the test's goroutine, the driver of s: under the
	// debug mode (-race), a subtest's goroutine may not drive s.
	for _, tt := range tests {
		before := s.RunCount()
		assert.ErrorIs(t, tt.call(), tt.want, tt.name)
		assert.Equal(t, before, s.RunCount(), "%s: run queue unchanged", tt.name)
		assert.Equal(t, -1, ch.Balance(), "%s: the blocked receiver is still waiting", tt.name)
		// Follow-up: the runtime keeps working.
		_, err := s.Spawn(func(t *tasklet.Tasklet) { _ = follow.Send(t, 7) })
		require.NoError(t, err, tt.name)
		v, err := follow.Receive(main)
		require.NoError(t, err, tt.name)
		assert.Equal(t, 7, v, tt.name)
		_, err = s.Run()
		require.NoError(t, err, tt.name)
	}
	// Double close of a channel, then it still serves.
	require.NoError(t, ch.Close(main))
	assert.ErrorIs(t, ch.Close(main), channel.ErrAlreadyClosed)
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, tasklet.Dead, blocked.State(), "woken by Close, ended")
	_, err = other.Run()
	require.NoError(t, err)
}
