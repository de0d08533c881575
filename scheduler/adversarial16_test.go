package scheduler_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial tests of issue 16 (SleepContext, the timed-wait rule).

// SleepContext with a nil context, context.Background() or a context that
// can be cancelled (but is not) sleeps exactly as Sleep does, for d < 0
// (forever: main's sleep is a deadlock, without a cancellable context), 0
// and > 0 on a FakeClock: the same ordering against a runnable tasklet. A
// nil context used to panic with a nil dereference.
func TestAdv16SleepContextLikeSleep(t *testing.T) {
	ctxs := []struct {
		name string
		ctx  func() (context.Context, func())
	}{
		{"Background", func() (context.Context, func()) { return context.Background(), func() {} }},
		{"cancellable", func() (context.Context, func()) { return context.WithCancel(context.Background()) }},
	}
	durations := []time.Duration{0, time.Second}
	order := func(t *testing.T, sleep func(tk *tasklet.Tasklet, d time.Duration) error, d time.Duration) []string {
		s := newSched(t, scheduler.WithClock(scheduler.NewFakeClock(time.Unix(0, 0))))
		defer closeSched(t, s)
		var r recorder
		spawn(t, s, "A", r.Looper("A", 3))
		r.Add("sleep %v", d)
		err := sleep(s.Main(), d)
		r.Add("woke %v", err)
		_, err = s.Run()
		require.NoError(t, err)
		return r.Log()
	}
	for _, c := range ctxs {
		for _, d := range durations {
			t.Run(c.name+"/"+d.String(), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				want := order(t, func(tk *tasklet.Tasklet, d time.Duration) error { return tk.Sleep(d) }, d)
				ctx, cancel := c.ctx()
				defer cancel()
				got := order(t, func(tk *tasklet.Tasklet, d time.Duration) error {
					return scheduler.SleepContext(ctx, tk, d)
				}, d)
				assert.Equal(t, want, got)
			})
		}
	}
	t.Run("nil", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		s := newSched(t)
		defer closeSched(t, s)
		for _, d := range []time.Duration{-1, 0, time.Second} {
			err := scheduler.SleepContext(nil, s.Main(), d) //nolint:staticcheck // the nil context is the point
			assert.ErrorIs(t, err, tasklet.ErrNilContext, "d=%v", d)
		}
	})
}

// A thrown error that wraps tasklet.ErrTimeout, or is ErrTimeout itself,
// cuts Sleep and SleepContext (with a context that can be cancelled) and is
// returned, as for any throw; it used to be swallowed as though the sleep
// had run its full d.
func TestAdv16SleepContextThrownTimeout(t *testing.T) {
	errOuter := fmt.Errorf("outer deadline: %w", tasklet.ErrTimeout)
	tests := []struct {
		name  string
		throw bool
		want  string
	}{
		{"thrown", true, "slept outer deadline: stackless: timeout"},
		{"thrown bare", true, "slept stackless: timeout"},
		{"timer", false, "slept <nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t, scheduler.WithClock(scheduler.NewFakeClock(time.Unix(0, 0))))
			defer closeSched(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var r recorder
			tk := spawn(t, s, "T", func(tk *tasklet.Tasklet) {
				r.Add("slept %v", scheduler.SleepContext(ctx, tk, time.Hour))
			})
			plain := spawn(t, s, "P", func(tk *tasklet.Tasklet) { // plain Sleep: the same
				r.Add("slept %v", tk.Sleep(time.Hour))
			})
			require.NoError(t, s.Main().Schedule())
			if tt.throw {
				thrown := errOuter
				if tt.name == "thrown bare" { // the timer's own error, thrown
					thrown = tasklet.ErrTimeout
				}
				require.NoError(t, tk.Throw(thrown))
				require.NoError(t, plain.Throw(thrown))
			} else {
				require.NoError(t, s.Main().Sleep(2*time.Hour)) // the fake clock runs to the timer
			}
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, []string{tt.want, tt.want}, r.Log())
		})
	}
}
