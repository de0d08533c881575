// Issue 13 regression tests: ThrowOnDone and contexts, thread-blocked Runs,
// an error handler killed while it waits.

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

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Item 12: ThrowOnDone never leaves a stray throw. stop reports whether the
// throw was delivered and withdraws one still pending.
func TestIssue13_ThrowOnDoneStop(t *testing.T) {
	errStop := errors.New("stop")
	t.Run("never fired", func(t *testing.T) {
		s := start(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := scheduler.ThrowOnDone(ctx, s.Main())
		assert.False(t, stop())
		cancel(errStop)
		assert.NoError(t, scheduler.PendingThrow(s.Main()))
		assert.NoError(t, s.Main().Schedule())
	})
	t.Run("fired after the operation: withdrawn", func(t *testing.T) {
		s := start(t)
		main := s.Main()
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := scheduler.ThrowOnDone(ctx, main)
		require.NoError(t, main.Schedule()) // the guarded operation completes
		cancel(errStop)
		require.Eventually(t, func() bool { return scheduler.PendingThrow(main) != nil }, 5*time.Second, time.Millisecond)
		assert.False(t, stop(), "not delivered")
		assert.False(t, stop(), "idempotent")
		assert.NoError(t, scheduler.PendingThrow(main))
		assert.NoError(t, main.Schedule(), "no stray throw")
	})
	t.Run("fired during the operation: delivered", func(t *testing.T) {
		s := start(t)
		main := s.Main()
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := scheduler.ThrowOnDone(ctx, main)
		cancel(errStop)
		require.Eventually(t, func() bool { return scheduler.PendingThrow(main) != nil }, 5*time.Second, time.Millisecond)
		assert.ErrorIs(t, main.Schedule(), errStop)
		assert.True(t, stop())
		assert.NoError(t, main.Schedule())
	})
	t.Run("blocked target: its wait is cut at once", func(t *testing.T) {
		s := start(t)
		var r recorder
		ch := channel.New[int]()
		w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
			_, err := ch.Receive(tk)
			r.Add("w: Receive returned %v", err)
		})
		require.NoError(t, s.Main().Schedule())
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := scheduler.ThrowOnDone(ctx, w)
		cancel(errStop)
		require.Eventually(t, func() bool { return w.State() == tasklet.Scheduled }, 5*time.Second, time.Millisecond)
		assert.True(t, stop())
		_, err := s.Run()
		require.NoError(t, err)
		assert.Equal(t, []string{"w: Receive returned stop"}, r.Log())
	})
}

// Item 12: the context racing the completion of the guarded operation, 2,000
// times: the operation fails with the cause exactly when stop reports the
// throw delivered, and a later unrelated call never gets it.
func TestIssue13_ThrowOnDoneRaceNeverStray(t *testing.T) {
	defer goleak.VerifyNone(t)
	const tries = 2000
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	ch := channel.New[int]()
	start := make(chan context.CancelFunc)
	done := make(chan error, 1)
	go func() {
		s2, err := scheduler.New()
		if err != nil {
			done <- err
			return
		}
		for i := range tries {
			cancel := <-start
			go cancel()
			if err := ch.Send(s2.Main(), i); err != nil {
				done <- errors.Join(err, s2.Close())
				return
			}
		}
		done <- s2.Close()
	}()
	var delivered, completed int
	for i := range tries {
		ctx, cancel := context.WithCancel(context.Background())
		stop := scheduler.ThrowOnDone(ctx, main)
		start <- cancel
		v, err := ch.Receive(main)
		got := stop()
		if err != nil {
			require.ErrorIs(t, err, context.Canceled, "try %d", i)
			require.True(t, got, "try %d: the receive failed with the throw, stop says undelivered", i)
			delivered++
			v, err = ch.Receive(main) // the value is still coming
			require.NoError(t, err, "try %d", i)
		} else {
			require.False(t, got, "try %d: the receive succeeded, stop says delivered", i)
			completed++
		}
		require.Equal(t, i, v, "try %d", i)
		require.NoError(t, main.Schedule(), "try %d: a stray throw", i)
		cancel()
	}
	require.NoError(t, <-done)
	t.Logf("%d tries: %d delivered, %d completed first", tries, delivered, completed)
}

// Item 14: scheduler.Context(t), asked for after t died, is cancelled with
// the cause of its death.
func TestIssue13_ContextAfterDeathSaysHow(t *testing.T) {
	tests := []struct {
		name string
		body func(*tasklet.Tasklet)
		do   func(main, tk *tasklet.Tasklet) error
		want error // errors.Is
	}{
		{"ended", func(*tasklet.Tasklet) {}, nil, scheduler.ErrEnded},
		{"killed", func(tk *tasklet.Tasklet) { _, _ = tk.ScheduleRemove() },
			func(main, tk *tasklet.Tasklet) error { return main.KillNow(tk) }, scheduler.ErrKilled},
		{"killed before it ran", func(*tasklet.Tasklet) {},
			func(_, tk *tasklet.Tasklet) error { return tk.Kill() }, scheduler.ErrKilled},
		{"panicked", func(*tasklet.Tasklet) { panic(errX) }, nil, errX},
		{"thrown into before it ran", func(*tasklet.Tasklet) {},
			func(_, tk *tasklet.Tasklet) error { return tk.Throw(errX) }, errX},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			tk := spawn(t, s, "t", tt.body)
			if tt.do != nil {
				if tt.name != "killed before it ran" && tt.name != "thrown into before it ran" {
					require.NoError(t, s.Main().Schedule())
				}
				require.NoError(t, tt.do(s.Main(), tk))
			}
			_, _ = s.Run()
			require.Equal(t, tasklet.Dead, tk.State())
			ctx := scheduler.Context(tk)
			require.Error(t, ctx.Err())
			cause := context.Cause(ctx)
			assert.ErrorIs(t, cause, tt.want)
			if errors.Is(tt.want, errX) {
				var pe *tasklet.PanicError
				assert.ErrorAs(t, cause, &pe)
			}
		})
	}
}

// Item 15 (SPEC 5): thread-block Run with a paused tasklet sleeps, as it
// would for a blocked one, until another goroutine inserts it.
func TestIssue13_ThreadBlockRunWaitsForPausedTasklet(t *testing.T) {
	s := start(t)
	var r recorder
	p := spawn(t, s, "p", func(tk *tasklet.Tasklet) {
		r.Add("p: pauses")
		v, err := tk.ScheduleRemove()
		r.Add("p: resumed with %v, %v", v, err)
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	require.True(t, p.Paused())
	w, err := s.Waker() // the inserting goroutine may wake s
	require.NoError(t, err)
	inserted := make(chan error, 1)
	go func() {
		defer w.Release()
		for s.Current() != nil { // until s sleeps in Run
			time.Sleep(time.Millisecond)
		}
		r.Add("goroutine: inserts p")
		inserted <- p.InsertValue(fmt.Sprint("hello"))
	}()
	_, err = s.Run(scheduler.ThreadBlock())
	require.NoError(t, err)
	require.NoError(t, <-inserted)
	assert.Equal(t, []string{"p: pauses", "goroutine: inserts p", "p: resumed with hello, <nil>"}, r.Log())
}

// Item 9: the error handler runs on the dying tasklet's coroutine: it may
// block, other tasklets run meanwhile, and a kill that reaches it there ends
// the tasklet silently (the error is dropped), immediate or pending.
func TestIssue13_ErrorHandlerKilledWhileWaiting(t *testing.T) {
	for _, immediate := range []bool{true, false} {
		t.Run(fmt.Sprint("immediate ", immediate), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var r recorder
			ch := channel.New[int]()
			s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				r.Add("handler: waits")
				_, rerr := ch.Receive(tk)
				r.Add("handler: Receive returned %v", rerr) // never: the kill unwinds it
				return err
			}))
			defer closeSched(t, s)
			p := spawn(t, s, "p", func(*tasklet.Tasklet) { panic(errX) })
			main := s.Main()
			require.NoError(t, main.Schedule()) // p panics; its handler blocks
			assert.Equal(t, tasklet.Blocked, p.State())
			r.Add("main: p is blocked in its handler")
			if immediate {
				require.NoError(t, main.KillNow(p))
			} else {
				require.NoError(t, p.Kill())
				require.NoError(t, main.Schedule())
			}
			r.Add("main: after the kill")
			assert.Equal(t, []string{"handler: waits", "main: p is blocked in its handler", "main: after the kill"}, r.Log())
			assert.Equal(t, tasklet.Dead, p.State())
			assert.ErrorIs(t, context.Cause(scheduler.Context(p)), scheduler.ErrKilled)
			_, err := s.Run()
			require.NoError(t, err, "the error was dropped")
			assert.Equal(t, 0, ch.Balance())
		})
	}
}
