// Issue 13 regression tests: errors delivered to a panicking receiver,
// deadlock of the last runnable, throws into never-run tasklets, InsertValue.

package scheduler_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Item 7 (SPEC 3): an error sent into a blocked receiver that does not
// handle it and panics is delivered at once: main's SendError returns the
// *tasklet.PanicError. With preference 0 the receiver runs later and the
// error comes from main's next call.
func TestIssue13_SendErrorIntoPanickingReceiver(t *testing.T) {
	tests := []struct {
		name     string
		pref     int
		sendErr  bool
		wantSend bool // SendError itself returns the panic
	}{
		{"SendError, receiver first", -1, true, true},
		{"Send, receiver first", -1, false, true},
		{"SendError, preference 0", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(tt.pref))
			rcv := spawn(t, s, "r", func(tk *tasklet.Tasklet) {
				v, err := ch.Receive(tk)
				r.Add("r: got %d, %v", v, err)
				if err == nil {
					err = errX
				}
				panic(err) // it does not handle it
			})
			main := s.Main()
			require.NoError(t, main.Schedule()) // r blocks receiving
			var err error
			if tt.sendErr {
				err = ch.SendError(main, errX)
			} else {
				err = ch.Send(main, 5)
			}
			r.Add("main: send returned %v", err != nil)
			if !tt.wantSend {
				require.NoError(t, err)
				err = main.Schedule()
				r.Add("main: Schedule returned %v", err != nil)
			}
			var pe *tasklet.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Same(t, rcv, pe.Tasklet)
			assert.ErrorIs(t, err, errX)
			got := "r: got 0, X"
			if !tt.sendErr {
				got = "r: got 5, <nil>"
			}
			want := []string{got, "main: send returned true"}
			if !tt.wantSend {
				want = []string{"main: send returned false", got, "main: Schedule returned true"}
			}
			assert.Equal(t, want, r.Log())
			assert.NoError(t, main.Schedule(), "nothing left over for an unrelated call")
			assert.Equal(t, 0, ch.Balance())
		})
	}
}

// Item 8 (SPEC 3): the last runnable tasklet calls ScheduleRemove while main
// is blocked on a channel nothing can serve: the ScheduleRemove call is the
// one that would leave nothing to run, and gets ErrDeadlock; the tasklet
// runs on. When it then ends, main's receive fails as before.
func TestIssue13_ScheduleRemoveOfLastRunnableDeadlocks(t *testing.T) {
	s := start(t)
	var r recorder
	var srErr error
	tk := spawn(t, s, "t", func(tk *tasklet.Tasklet) {
		v, err := tk.ScheduleRemove()
		srErr = err
		r.Add("t: ScheduleRemove returned %v, deadlock %v", v, errors.Is(err, tasklet.ErrDeadlock))
		r.Add("t: ends")
	})
	ch := channel.New[int]()
	_, err := ch.Receive(s.Main())
	r.Add("main: Receive deadlock %v", errors.Is(err, tasklet.ErrDeadlock))
	assert.Equal(t, []string{
		"t: ScheduleRemove returned <nil>, deadlock true",
		"t: ends",
		"main: Receive deadlock true",
	}, r.Log())
	var de *tasklet.DeadlockError
	require.ErrorAs(t, srErr, &de)
	assert.Same(t, tk, de.Tasklet)
	require.Len(t, de.Blocked, 1)
	assert.Same(t, s.Main(), de.Blocked[0].Tasklet)
	require.ErrorAs(t, err, &de)
	assert.Same(t, s.Main(), de.Tasklet)
	assert.Contains(t, err.Error(), "receiving on")
	assert.Equal(t, 0, ch.Balance())
}

// Item 9: a throw into a tasklet that never ran reaches Run and the error
// handler as a *tasklet.PanicError, like every uncaught error; the handler
// runs in the dying tasklet's own context, so it may switch (here it
// yields) without breaking the coroutines.
func TestIssue13_ThrowIntoNeverRunTasklet(t *testing.T) {
	tests := []struct {
		name    string
		handler bool
		pending bool // Throw; else ThrowNow from main
		foreign bool // ThrowNow from another scheduler: the pending form
	}{
		{"no handler, pending", false, true, false},
		{"no handler, immediate", false, false, false},
		{"no handler, immediate from another scheduler", false, true, true},
		{"yielding handler, pending", true, true, false},
		{"yielding handler, immediate", true, false, false},
		{"yielding handler, immediate from another scheduler", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var r recorder
			var opts []scheduler.Option
			if tt.handler {
				opts = append(opts, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
					var pe *tasklet.PanicError
					r.Add("handler: %s, PanicError %v, Is X %v, current %v", tk.Name(), errors.As(err, &pe), errors.Is(err, errX), tk.IsCurrent())
					assert.NoError(t, tk.Schedule())
					r.Add("handler: after yielding")
					return err
				}))
			}
			s := newSched(t, opts...)
			defer closeSched(t, s)
			spawn(t, s, "other", r.Looper("other", 2))
			n, err := s.NewTasklet("n", func(*tasklet.Tasklet) { r.Add("n: body runs") })
			require.NoError(t, err)
			main := s.Main()
			if tt.pending {
				if tt.foreign {
					require.NoError(t, fromOther(func(o *tasklet.Tasklet) error { return o.ThrowNow(n, errX) }))
				} else {
					require.NoError(t, n.Throw(errX))
				}
				_, err = s.Run()
			} else {
				err = main.ThrowNow(n, errX)
				if tt.handler {
					// The handler yielded: main's turn came before n died.
					require.NoError(t, err)
					r.Add("main: ThrowNow returned")
					err = main.Schedule()
				}
			}
			var pe *tasklet.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Same(t, n, pe.Tasklet)
			assert.ErrorIs(t, err, errX)
			var want []string
			switch {
			case tt.handler && tt.pending:
				want = []string{"other", "handler: n, PanicError true, Is X true, current true", "other", "handler: after yielding"}
			case tt.handler:
				want = []string{"handler: n, PanicError true, Is X true, current true", "main: ThrowNow returned", "other", "handler: after yielding"}
			case tt.pending:
				want = []string{"other"}
			}
			assert.Equal(t, want, r.Log())
			assert.Equal(t, tasklet.Dead, n.State())
			_, err = s.Run()
			require.NoError(t, err)
		})
	}
}

// Item 11 (SPEC 1): InsertValue on a tasklet that is still scheduled (or
// running) is ErrScheduled and changes nothing: the value is never silently
// dropped. On a paused tasklet it is returned by its ScheduleRemove.
func TestIssue13_InsertValueOnScheduledIsError(t *testing.T) {
	s := start(t)
	var r recorder
	tk := spawn(t, s, "t", func(tk *tasklet.Tasklet) {
		v, err := tk.ScheduleRemove()
		r.Add("t: first ScheduleRemove returned %v, %v", v, err)
		v, err = tk.ScheduleRemove()
		r.Add("t: second ScheduleRemove returned %v, %v", v, err)
	})
	main := s.Main()
	require.ErrorIs(t, tk.InsertValue(7), tasklet.ErrScheduled, "scheduled, never ran")
	require.ErrorIs(t, main.InsertValue(7), tasklet.ErrScheduled, "running")
	require.NoError(t, main.Schedule()) // t pauses
	require.NoError(t, tk.InsertValue(8))
	require.ErrorIs(t, tk.InsertValue(9), tasklet.ErrScheduled, "inserted already: 8 stands")
	require.NoError(t, tk.Insert(), "a plain Insert of a scheduled tasklet is still a no-op")
	require.NoError(t, main.Schedule()) // t gets 8 and pauses again
	require.NoError(t, tk.Insert())
	require.NoError(t, main.Schedule())
	assert.Equal(t, []string{
		"t: first ScheduleRemove returned 8, <nil>",
		"t: second ScheduleRemove returned <nil>, <nil>",
	}, r.Log())
}
