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

// wokenRaise is a kill or throw by A into B, which a wake-up that
// transferred nothing has made runnable and which has not run since; want
// is the log that follows first (A's log line for that wake-up).
type wokenRaise struct {
	name  string
	raise func(a, b *tasklet.Tasklet) error
	want  func(first string) []string
}

var errStop = errors.New("stop")

// wokenRaises: a kill or throw is raised at B's wait (SPEC section 2: only a
// completed transfer returns normally), at once (KillNow, ThrowNow) or when
// B runs (Kill, Throw).
var wokenRaises = []wokenRaise{
	{"KillNow", func(a, b *tasklet.Tasklet) error { return a.KillNow(b) },
		func(first string) []string { return []string{first, "B: unwinds", "A: raised <nil>", "main"} }},
	{"Kill", func(a, b *tasklet.Tasklet) error { return b.Kill() },
		func(first string) []string { return []string{first, "A: raised <nil>", "B: unwinds", "main"} }},
	{"ThrowNow", func(a, b *tasklet.Tasklet) error { return a.ThrowNow(b, errStop) },
		func(first string) []string {
			return []string{first, "B: returns stop", "B: unwinds", "A: raised <nil>", "main"}
		}},
	{"Throw", func(a, b *tasklet.Tasklet) error { return b.Throw(errStop) },
		func(first string) []string {
			return []string{first, "A: raised <nil>", "B: returns stop", "B: unwinds", "main"}
		}},
}

// A channel wait cut short by the scheduler (a timeout) transferred nothing:
// a kill or throw that reaches the tasklet after its timer fired but before
// it runs again is raised at the wait, not after it. A and B time out in
// the same turn; A runs first and kills or throws into B.
func TestTimedOutReceiverKilledBeforeItRuns(t *testing.T) {
	for _, tt := range wokenRaises {
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
			assert.Equal(t, tt.want("A: timeout"), log)
			assert.Equal(t, 0, ca.Balance())
			assert.Equal(t, 0, cb.Balance())
		})
	}
}

// Regression: a receiver woken by Close (ErrClosed) received nothing, so a
// kill or throw that reaches it before it runs again is raised at the
// receive, as for a timeout; it was left for a later switch point, which a
// tasklet that ends after ErrClosed never meets. A closes the channel B
// waits on, then raises into B.
func TestCloseWokenReceiverKilledBeforeItRuns(t *testing.T) {
	for _, tt := range wokenRaises {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var log []string
			ch := channel.New[int]()
			b := spawn(t, s, "B", func(tk *tasklet.Tasklet) {
				defer func() { log = append(log, "B: unwinds") }()
				_, err := ch.Receive(tk)
				log = append(log, fmt.Sprint("B: returns ", err))
			})
			spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				require.NoError(t, ch.Close(tk))
				log = append(log, "A: closed")
				err := tt.raise(tk, b)
				log = append(log, fmt.Sprint("A: raised ", err))
			})
			_, err := s.Run()
			require.NoError(t, err)
			log = append(log, "main")
			assert.Equal(t, tt.want("A: closed"), log)
			assert.Equal(t, tasklet.Dead, b.State())
			assert.Equal(t, 0, ch.Balance())
		})
	}
}

func short(err error) string {
	if errors.Is(err, tasklet.ErrTimeout) {
		return "timeout"
	}
	return fmt.Sprint(err)
}
