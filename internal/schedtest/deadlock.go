package schedtest

import (
	"errors"
	"runtime"
	"time"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// RescueAfter is how long ProbeDeadlock waits before a rescue goroutine
// offers the probe a value, so that a missing deadlock report ends the test
// instead of hanging it. It is no assertion on time: a correct runtime never
// reaches it.
const RescueAfter = 300 * time.Millisecond

// ProbeDeadlock blocks the running tasklet me on a channel nobody sends on
// and reports how its receive ended: "deadlock" (SPEC 3: "A deadlock is
// reported, never a silent hang"), "rescued" when the rescue goroutine had
// to hand it a value (the scheduler slept instead), or the error.
func ProbeDeadlock(me *tasklet.Tasklet) string {
	probe := channel.New[int]()
	done := make(chan struct{})
	rescued := make(chan struct{})
	go func() {
		defer close(rescued)
		select {
		case <-done:
		case <-time.After(RescueAfter):
			_ = probe.Offer(nil, 42)
		}
	}()
	v, err := probe.Receive(me)
	close(done)
	<-rescued
	switch {
	case errors.Is(err, tasklet.ErrDeadlock):
		return "deadlock"
	case err != nil:
		return "error " + err.Error()
	case v == 42:
		return "rescued"
	}
	return "got a value"
}

// WaitState spins (plain Go) until tk is in state st: a wake-up from
// another goroutine lands asynchronously.
func WaitState(tk *tasklet.Tasklet, st tasklet.State) {
	for tk.State() != st {
		runtime.Gosched()
	}
}
