package channel_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// A channel wait cut short by the scheduler (a timeout) transferred nothing:
// a kill or throw that reaches the tasklet after its timer fired but before
// it runs again is raised at the wait, not after it (SPEC section 2: only a
// completed transfer returns normally). A and B time out in the same turn;
// A runs first and kills or throws into B, which has not run yet.
func TestTimedOutReceiverKilledBeforeItRuns(t *testing.T) {
	errStop := errors.New("stop")
	tests := []struct {
		name  string
		raise func(a, b *tasklet.Tasklet) error
		want  []string
	}{
		{"KillNow", func(a, b *tasklet.Tasklet) error { return a.KillNow(b) },
			[]string{"A: timeout", "B: unwinds", "A: raised <nil>", "main"}},
		{"Kill", func(a, b *tasklet.Tasklet) error { return b.Kill() },
			[]string{"A: timeout", "A: raised <nil>", "B: unwinds", "main"}},
		{"ThrowNow", func(a, b *tasklet.Tasklet) error { return a.ThrowNow(b, errStop) },
			[]string{"A: timeout", "B: returns stop", "B: unwinds", "A: raised <nil>", "main"}},
		{"Throw", func(a, b *tasklet.Tasklet) error { return b.Throw(errStop) },
			[]string{"A: timeout", "A: raised <nil>", "B: returns stop", "B: unwinds", "main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var log []string
			ca, cb := channel.New[int](), channel.New[int]()
			var b *tasklet.Tasklet
			spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				_, err := ca.ReceiveTimeout(tk, time.Millisecond)
				log = append(log, fmt.Sprint("A: ", short(err)))
				err = tt.raise(tk, b)
				log = append(log, fmt.Sprint("A: raised ", err))
			})
			b = spawn(t, s, "B", func(tk *tasklet.Tasklet) {
				defer func() { log = append(log, "B: unwinds") }()
				_, err := cb.ReceiveTimeout(tk, time.Millisecond)
				log = append(log, fmt.Sprint("B: returns ", short(err)))
			})
			require.NoError(t, s.Main().Schedule()) // both park
			time.Sleep(5 * time.Millisecond)        // both deadlines pass
			_, err := s.Run()
			require.NoError(t, err)
			log = append(log, "main")
			assert.Equal(t, tt.want, log)
			assert.Equal(t, 0, ca.Balance())
			assert.Equal(t, 0, cb.Balance())
		})
	}
}

func short(err error) string {
	if errors.Is(err, tasklet.ErrTimeout) {
		return "timeout"
	}
	return fmt.Sprint(err)
}

// Regression: a receiver woken by Close (ErrClosed) received nothing, so a
// kill or throw that reaches it before it runs again is raised at the
// receive, as for a timeout: the kill is not deferred to a later switch
// point (where a tasklet that ends after ErrClosed would never meet it). C
// closes the channel and then raises into R, which has not run since.
func TestCloseWokenReceiverKilledBeforeItRuns(t *testing.T) {
	errStop := errors.New("stop")
	tests := []struct {
		name  string
		raise func(c, r *tasklet.Tasklet) error
		want  []string
	}{
		{"KillNow", func(c, r *tasklet.Tasklet) error { return c.KillNow(r) },
			[]string{"C: closed", "R: unwinds", "C: raised <nil>", "main: R dead true"}},
		{"Kill", func(c, r *tasklet.Tasklet) error { return r.Kill() },
			[]string{"C: closed", "C: raised <nil>", "R: unwinds", "main: R dead true"}},
		{"ThrowNow", func(c, r *tasklet.Tasklet) error { return c.ThrowNow(r, errStop) },
			[]string{"C: closed", "R: returns stop", "R: unwinds", "C: raised <nil>", "main: R dead true"}},
		{"Throw", func(c, r *tasklet.Tasklet) error { return r.Throw(errStop) },
			[]string{"C: closed", "C: raised <nil>", "R: returns stop", "R: unwinds", "main: R dead true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var log []string
			ch := channel.New[int]()
			r := spawn(t, s, "R", func(tk *tasklet.Tasklet) {
				defer func() { log = append(log, "R: unwinds") }()
				_, err := ch.Receive(tk)
				log = append(log, fmt.Sprint("R: returns ", err))
			})
			spawn(t, s, "C", func(tk *tasklet.Tasklet) {
				require.NoError(t, ch.Close(tk))
				log = append(log, "C: closed")
				err := tt.raise(tk, r)
				log = append(log, fmt.Sprint("C: raised ", err))
			})
			_, err := s.Run()
			require.NoError(t, err)
			log = append(log, fmt.Sprint("main: R dead ", r.State() == tasklet.Dead))
			assert.Equal(t, tt.want, log)
			assert.Equal(t, 0, ch.Balance())
		})
	}
}
