package scheduler_test

import (
	"context"
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

// SleepContext sleeps d, or ends with ctx.Err() when ctx is done first,
// cancelled from a plain goroutine or a tasklet; a kill or throw cuts it as
// it cuts Sleep.
func TestSleepContext(t *testing.T) {
	errWhy := errors.New("why")
	tests := []struct {
		name string
		run  func(t *testing.T, s *scheduler.Scheduler, clk *scheduler.FakeClock) []string
		want []string
	}{
		{"background sleeps d", func(t *testing.T, s *scheduler.Scheduler, clk *scheduler.FakeClock) []string {
			err := scheduler.SleepContext(context.Background(), s.Main(), time.Second)
			return []string{errString(err), clk.Now().Sub(time.Unix(0, 0)).String()}
		}, []string{"<nil>", "1s"}},
		{"cancellable ctx, not cancelled, sleeps d", func(t *testing.T, s *scheduler.Scheduler, clk *scheduler.FakeClock) []string {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err := scheduler.SleepContext(ctx, s.Main(), time.Second)
			return []string{errString(err), clk.Now().Sub(time.Unix(0, 0)).String()}
		}, []string{"<nil>", "1s"}},
		{"already done", func(t *testing.T, s *scheduler.Scheduler, clk *scheduler.FakeClock) []string {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(errWhy)
			err := scheduler.SleepContext(ctx, s.Main(), time.Second)
			return []string{errString(err), errString(context.Cause(ctx)), clk.Now().Sub(time.Unix(0, 0)).String()}
		}, []string{"context canceled", "why", "0s"}},
		{"cancelled by a tasklet", func(t *testing.T, s *scheduler.Scheduler, clk *scheduler.FakeClock) []string {
			ctx, cancel := context.WithCancelCause(context.Background())
			var log []string
			_, err := s.Spawn(func(*tasklet.Tasklet) { log = append(log, "cancel"); cancel(errWhy) })
			require.NoError(t, err)
			err = scheduler.SleepContext(ctx, s.Main(), -1) // only ctx ends it
			return append(log, errString(err), errString(context.Cause(ctx)))
		}, []string{"cancel", "context canceled", "why"}},
		{"background, d < 0: until the wait is cut (a deadlock here)", func(t *testing.T, s *scheduler.Scheduler, clk *scheduler.FakeClock) []string {
			err := scheduler.SleepContext(context.Background(), s.Main(), -1)
			return []string{fmt.Sprint(errors.Is(err, tasklet.ErrDeadlock))}
		}, []string{"true"}},
		{"thrown while sleeping", func(t *testing.T, s *scheduler.Scheduler, clk *scheduler.FakeClock) []string {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			main := s.Main()
			_, err := s.Spawn(func(*tasklet.Tasklet) { _ = main.Throw(errWhy) })
			require.NoError(t, err)
			err = scheduler.SleepContext(ctx, main, time.Hour)
			return []string{errString(err)}
		}, []string{"why"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			clk := scheduler.NewFakeClock(time.Unix(0, 0))
			s, err := scheduler.New(scheduler.WithClock(clk))
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Close()) }()
			assert.Equal(t, tt.want, tt.run(t, s, clk))
		})
	}
}

// A context cancelled from a plain goroutine wakes a tasklet sleeping in
// SleepContext on its own scheduler; the scheduler does not report a
// deadlock meanwhile.
func TestSleepContextCancelledFromGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(5 * time.Millisecond)
		cancel()
	}()
	err = scheduler.SleepContext(ctx, s.Main(), -1)
	assert.ErrorIs(t, err, context.Canceled)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
