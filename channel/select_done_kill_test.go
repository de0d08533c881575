package channel_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// A wait on a context that can be cancelled (a Done case, SendContext,
// ReceiveContext) holds a Waker so that its scheduler does not report a
// deadlock meanwhile (package doc, point 5). That Waker must be released when
// the wait ends, however it ends. Found by the model test (internal/model,
// select with Done cases): a kill that unwinds the tasklet at the wait (the
// wait blocked, or woken by the context but not yet run) never releases it,
// so the scheduler never reports a deadlock again: the next tasklet to block
// with nothing to wake it sleeps forever instead of getting ErrDeadlock.
//
// Each case: T waits on ctx; main kills (or throws into) T, which ends; then
// main receives on a channel nobody sends on. SPEC section 3: main's Receive
// fails with ErrDeadlock. A rescue goroutine offers 42 on that channel if
// main is still asleep after rescueAfter, so that a failure does not hang
// the test (the time is no assertion: a correct runtime never reaches it).
//
// The same Waker outlives the wait when a partner completes the select and
// T is removed (paused) before it runs again: the select waits on nothing
// any more, yet main's Receive sleeps.
//
// Failing (library bug) as of this commit: every "kill" case shows the
// ordering [T ends (killed), main sleeps, rescue Offer, main receive -> 42]
// instead of [T ends (killed), main receive -> deadlock]; the "removed" case
// [main receives T's 1, T removed, main sleeps, rescue Offer, main receive
// -> 42] instead of [..., main receive -> deadlock].
func TestContextWaitReleasesItsWakerAsItEnds(t *testing.T) {
	const rescueAfter = 200 * time.Millisecond
	errX := errors.New("X")
	tests := []struct {
		name      string
		wait      func(ctx context.Context, c *channel.Channel[int], tk *tasklet.Tasklet) error
		cancelled bool   // main cancels ctx, and T is woken by it before the kill
		end       string // "kill", "throw", or "remove": main receives T's send, then removes T
		want      []string
	}{
		{"Select(Recv, Done) blocked, killed: main's Receive sleeps until the rescue (42) instead of deadlock",
			selectRecvDone, false, "kill", []string{"T killed", "main receive: deadlock"}},
		{"ReceiveContext blocked, killed: main's Receive sleeps until the rescue (42) instead of deadlock",
			receiveContext, false, "kill", []string{"T killed", "main receive: deadlock"}},
		{"SendContext blocked, killed: main's Receive sleeps until the rescue (42) instead of deadlock",
			sendContext, false, "kill", []string{"T killed", "main receive: deadlock"}},
		{"Select(Recv, Done) woken by cancel, killed before it runs: main's Receive sleeps until the rescue (42) instead of deadlock",
			selectRecvDone, true, "kill", []string{"T killed", "main receive: deadlock"}},
		{"SendContext completed by main's Receive, T removed before it runs: main's Receive sleeps until the rescue (42) instead of deadlock",
			sendContext, false, "remove", []string{"main receive from T: 1", "main receive: deadlock"}},
		// Controls (passing): a throw ends the wait through its return.
		{"Select(Recv, Done) blocked, thrown into",
			selectRecvDone, false, "throw", []string{"T wait: X", "T ends", "main receive: deadlock"}},
		{"Select(Recv, Done) woken by cancel, thrown into before it runs",
			selectRecvDone, true, "throw", []string{"T wait: X", "T ends", "main receive: deadlock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c, probe := channel.New[int](), channel.New[int]()
			var r recorder
			tk := spawn(t, s, "T", func(tk *tasklet.Tasklet) {
				defer func() {
					if p := recover(); p != nil {
						r.Add("T killed")
						panic(p)
					}
				}()
				err := tt.wait(ctx, c, tk)
				r.Add("T wait: %v", err)
				r.Add("T ends")
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			require.Equal(t, tasklet.Blocked, tk.State())
			if tt.cancelled {
				cancel()
				for tk.State() == tasklet.Blocked { // the context's goroutine wakes T
					runtime.Gosched()
				}
			}
			switch tt.end {
			case "kill":
				require.NoError(t, tk.Kill())
			case "throw":
				require.NoError(t, tk.Throw(errX))
			case "remove":
				v, err := c.Receive(main) // completes T's send case
				require.NoError(t, err)
				r.Add("main receive from T: %d", v)
				require.NoError(t, tk.Remove())
			}
			if tt.end != "remove" {
				require.NoError(t, main.Schedule())
				require.Equal(t, tasklet.Dead, tk.State())
			}

			done := make(chan struct{})
			rescued := make(chan struct{})
			go func() {
				defer close(rescued)
				select {
				case <-done:
				case <-time.After(rescueAfter):
					_ = probe.Offer(nil, 42)
				}
			}()
			v, err := probe.Receive(main)
			close(done)
			<-rescued
			switch {
			case errors.Is(err, tasklet.ErrDeadlock):
				r.Add("main receive: deadlock")
			case err != nil:
				r.Add("main receive: %v", err)
			default:
				r.Add("main receive: %d", v)
			}
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

func selectRecvDone(ctx context.Context, c *channel.Channel[int], tk *tasklet.Tasklet) error {
	_, err := channel.Select(tk, channel.Recv(c), channel.Done(ctx))
	return err
}

func receiveContext(ctx context.Context, c *channel.Channel[int], tk *tasklet.Tasklet) error {
	_, err := c.ReceiveContext(ctx, tk)
	return err
}

func sendContext(ctx context.Context, c *channel.Channel[int], tk *tasklet.Tasklet) error {
	return c.SendContext(ctx, tk, 1)
}
