package channel_test

// Adversarial tests (adv7) of change 1 ("a throw that lands as a tasklet's
// body ends is never dropped") through the channel callback, a user hook
// that can leave a throw pending for the calling tasklet on its last
// channel operation.

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errAdv7CB = errors.New("adv7 callback throw")

// A's last operation is a send that completes at once (R waits; preference
// 0: "the partner is appended and the caller continues", SPEC 4), and the
// channel callback, run for that send, faults or throws into A.
//   - A panic in the callback: SetCallback: "the fault becomes a
//     *tasklet.PanicError ... thrown into the calling tasklet, pending ... a
//     completed operation returns normally, and the error goes off at the
//     tasklet's next call that can return one". A has no next call: its
//     body returns, so (change 1) the pending throw is A's uncaught error: a
//     *PanicError for A whose Value is the callback's *PanicError ("cb
//     boom"), through the error handler; R got the value.
//   - A Throw from the callback into A: pending (Tasklet.Throw: the
//     synchronous form is "from its own goroutine, not from a callback"),
//     so it is either the send's result (and then nothing was sent: R gets
//     nothing) or, the send having completed, A's uncaught error. It is
//     raised exactly once and never dropped (SPEC 2).
func TestAdv7CallbackThrowOnLastOperation(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, fault := range []string{"panic", "throw"} {
		t.Run(fault, func(t *testing.T) {
			var r recorder
			s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				var pe *tasklet.PanicError
				if assert.ErrorAs(t, err, &pe) {
					r.Add("handler %s: %s", tk.Name(), adv7Inner(pe.Value))
				}
				return err
			}))
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(0))
			var a *tasklet.Tasklet
			armed := false
			old := channel.SetCallback(func(c any, tk *tasklet.Tasklet, sending, willBlock bool) {
				if c != ch || tk != a || !sending || !armed {
					return
				}
				armed = false
				if fault == "panic" {
					panic("cb boom")
				}
				r.Add("cb throw %v", tk.Throw(errAdv7CB))
			})
			defer channel.SetCallback(old)
			spawn(t, s, "R", func(me *tasklet.Tasklet) {
				v, err := ch.Receive(me)
				r.Add("R got %d %v", v, err)
			})
			a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
				armed = true
				r.Add("A sent %v", ch.Send(me, 7))
			})
			_, err := s.Run()
			// SPEC 3: the uncaught error is delivered at once, "skipping
			// other runnable tasklets, which stay scheduled": R runs in
			// the next Run.
			_, err2 := s.Run()
			require.NoError(t, err2)
			switch fault {
			case "panic":
				var pe *tasklet.PanicError
				if assert.ErrorAs(t, err, &pe, "Run's error") {
					assert.Same(t, a, pe.Tasklet)
					assert.Equal(t, "cb boom", adv7Inner(pe.Value))
				}
				assert.Equal(t, []string{"A sent <nil>", "handler A: cb boom", "R got 7 <nil>"}, r.Log())
			case "throw":
				log := r.Log()
				if len(log) > 1 && log[1] == "A sent <nil>" {
					assert.ErrorIs(t, err, errAdv7CB, "the send completed: the throw is A's uncaught error")
					assert.Equal(t, []string{"cb throw <nil>", "A sent <nil>", "handler A: adv7 callback throw", "R got 7 <nil>"}, log)
				} else {
					assert.NoError(t, err, "the throw was the send's result")
					assert.Equal(t, []string{"cb throw <nil>", "A sent adv7 callback throw"}, log)
					assert.Equal(t, -1, ch.Balance(), "nothing was sent: R still waits")
				}
				t.Logf("outcome: %q", log)
			}
			closeSched(t, s)
		})
	}
}

// adv7Inner describes a thrown value: a *tasklet.PanicError's Value, an
// error's text, or the value.
func adv7Inner(v any) string {
	var pe *tasklet.PanicError
	if err, ok := v.(error); ok && errors.As(err, &pe) {
		return fmt.Sprint(pe.Value)
	}
	return fmt.Sprint(v)
}
