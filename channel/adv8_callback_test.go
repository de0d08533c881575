package channel_test

// Adversarial tests (adv8): a channel callback kills a tasklet on its last
// operation, which completes; the body then ends in each way.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A's last operation is a send that completes at once (R waits; preference
// 0: "the partner is appended and the caller continues", SPEC 4), and the
// channel callback, run for that send, kills A: pending (Tasklet.Kill: "From
// a schedule or channel callback, which is not t's code, the kill stays
// pending for t's next switch point"). The send completed (SPEC 2: "that
// call returns normally and the kill ... goes off at the tasklet's next
// switch point"); A has none, and its body ends:
//   - returns, or Goexit: the brief's "A kill accepted as the body ends
//     (after its last switch point) ends it as killed (context cause
//     scheduler.ErrKilled)": Run returns nil, no error handler;
//   - panics: "unless it dies of a panic": Run returns boom, the handler
//     sees it, and the cause is ErrKilled (the kill took effect, for good);
//   - recovers a panic of its own, then returns: killed.
//
// R got 7 in every case (the transfer is never undone). Context(A) taken at
// A's start and Context(A) after death agree.
func TestAdv8ChannelCallbackKillsOnLastOperation(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv8CallbackKill(t, "return", "Goexit", "recovered panic")
}

// The "panic" ending of the test above: [cb kill <nil> willBlock=false, A
// sent <nil>, handler A: boom, R got 7 <nil>], Run returns boom (A died of
// the panic). A context taken at A's start said "scheduler: tasklet
// killed", one asked after death boom; now both say killed: the kill took
// effect as it was accepted (scheduler.Context: "for good ... whatever t
// dies of later").
func TestAdv8ChannelCallbackKillThenPanicContextSaysKilled(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv8CallbackKill(t, "panic")
}

func adv8CallbackKill(t *testing.T, endings ...string) {
	all := map[string]struct {
		wantRun string
		handler bool
		cause   string
	}{
		"return":          {"<nil>", false, scheduler.ErrKilled.Error()},
		"Goexit":          {"<nil>", false, scheduler.ErrKilled.Error()},
		"recovered panic": {"<nil>", false, scheduler.ErrKilled.Error()},
		"panic":           {"boom", true, "scheduler: tasklet killed"}, // the kill took effect, for good
	}
	for _, ending := range endings {
		c := all[ending]
		t.Run(ending, func(t *testing.T) {
			schedtest.Within(t, adv8Within, func() {
				var r recorder
				s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
					r.Add("handler %s: %s", tk.Name(), adv8PanicValue(err))
					return err
				}))
				defer closeSched(t, s)
				ch := channel.New[int]()
				require.NoError(t, ch.SetPreference(0))
				var a *tasklet.Tasklet
				armed := false
				old := channel.SetCallback(func(cc any, tk *tasklet.Tasklet, sending, willBlock bool) {
					if cc != ch || tk != a || !sending || !armed {
						return
					}
					armed = false
					r.Add("cb kill %v willBlock=%v", tk.Kill(), willBlock)
				})
				defer channel.SetCallback(old)
				spawn(t, s, "R", func(me *tasklet.Tasklet) {
					v, err := ch.Receive(me)
					r.Add("R got %d %v", v, err)
				})
				var ctx context.Context
				a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
					ctx = scheduler.Context(me)
					armed = true
					r.Add("A sent %v", ch.Send(me, 7))
					switch ending {
					case "Goexit":
						runtime.Goexit()
					case "panic":
						panic("boom")
					case "recovered panic":
						func() {
							defer func() { r.Add("A recovered %v", recover()) }()
							panic("boom")
						}()
					}
				})
				_, err := s.Run()
				assert.Equal(t, c.wantRun, adv8PanicValue(err), "Run's error")
				_, err = s.Run() // R, if the uncaught error cut the first Run (SPEC 3)
				require.NoError(t, err)
				want := []string{"cb kill <nil> willBlock=false", "A sent <nil>"}
				if ending == "recovered panic" {
					want = append(want, "A recovered boom")
				}
				if c.handler {
					want = append(want, "handler A: boom")
				}
				want = append(want, "R got 7 <nil>")
				assert.Equal(t, want, r.Log())
				assert.Equal(t, tasklet.Dead, a.State())
				early := adv8PanicValue(context.Cause(ctx))
				late := adv8PanicValue(context.Cause(scheduler.Context(a)))
				assert.Equal(t, c.cause, early, "Context(A)'s cause, taken at A's start")
				assert.Equal(t, early, late, "Context(A)'s cause, taken at A's start vs after death")
			})
		})
	}
}

// adv8PanicValue describes an error: "<nil>", a *tasklet.PanicError's Value,
// or the error's text.
func adv8PanicValue(err error) string {
	if err == nil {
		return "<nil>"
	}
	var pe *tasklet.PanicError
	if errors.As(err, &pe) {
		return fmt.Sprint(pe.Value)
	}
	return err.Error()
}
