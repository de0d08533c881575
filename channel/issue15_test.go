package channel_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Issue 15 item 1: Close names its caller, as every call that can wake a
// tasklet does, and places the receivers it wakes as every primitive does
// (see locks' TestIssue15WakePlacementSamePerPrimitive): receiver W parks;
// K makes X and Y runnable, then closes. Closed by K (W's own scheduler),
// W goes to the end of the run queue; closed with no caller (nil), it
// takes the wake lane and runs before X and Y. A send to a waiting
// receiver keeps its preference rule: with preference 0 the receiver is
// queued at the end too, as Close queues it.
func TestIssue15ClosePlacesWokenReceiversLikeEveryWaker(t *testing.T) {
	tests := []struct {
		name string
		wake func(ch *channel.Channel[int], k *tasklet.Tasklet) error
		want []string
	}{
		{"Close(K)", func(ch *channel.Channel[int], k *tasklet.Tasklet) error { return ch.Close(k) },
			[]string{"K woke W", "X", "Y", "W: 0 " + channel.ErrClosed.Error()}},
		{"Close(nil)", func(ch *channel.Channel[int], _ *tasklet.Tasklet) error { return ch.Close(nil) },
			[]string{"K woke W", "W: 0 " + channel.ErrClosed.Error(), "X", "Y"}},
		{"Send(K), preference 0", func(ch *channel.Channel[int], k *tasklet.Tasklet) error {
			if err := ch.SetPreference(0); err != nil {
				return err
			}
			return ch.Send(k, 7)
		}, []string{"K woke W", "X", "Y", "W: 7 <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var ch channel.Channel[int] // the zero Channel: see TestIssue15ZeroChannel
			var r recorder
			spawn(t, s, "K", func(k *tasklet.Tasklet) {
				if !assert.NoError(t, k.Schedule()) { // W parks
					return
				}
				spawn(t, s, "X", func(*tasklet.Tasklet) { r.Add("X") })
				spawn(t, s, "Y", func(*tasklet.Tasklet) { r.Add("Y") })
				assert.NoError(t, tt.wake(&ch, k))
				r.Add("K woke W")
			})
			spawn(t, s, "W", func(w *tasklet.Tasklet) {
				v, err := ch.Receive(w)
				r.Add("W: %d %v", v, err)
			})
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// Issue 15 item 2: the zero Channel is usable, as the zero locks are: an
// unbuffered, open channel with the default preference (-1, receiver
// first), numbered on first use; it behaves as one New returns.
func TestIssue15ZeroChannel(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var ch channel.Channel[string]
	assert.Equal(t, -1, ch.Preference())
	assert.Equal(t, 0, ch.Cap())
	assert.Equal(t, 0, ch.Balance())
	assert.False(t, ch.Closing())
	assert.False(t, ch.ScheduleAll())
	assert.Regexp(t, regexp.MustCompile(`^channel [1-9]\d*$`), ch.String())
	assert.Equal(t, ch.String(), ch.String(), "numbered once")
	assert.NotEqual(t, ch.String(), channel.New[string]().String())

	// Receiver first, as New's: main's send switches to the waiting
	// receiver, which runs before A; main continues after every other
	// runnable tasklet.
	var r recorder
	spawn(t, s, "P", func(tk *tasklet.Tasklet) {
		v, err := ch.Receive(tk)
		r.Add("P got %s %v", v, err)
	})
	require.NoError(t, main.Schedule()) // P blocks
	assert.Equal(t, -1, ch.Balance())
	assert.Equal(t, fmt.Sprintf("receiving on %v without a sender", &ch), describeBlocked(t, s))
	spawn(t, s, "A", func(*tasklet.Tasklet) { r.Add("A") })
	require.NoError(t, ch.Send(main, "hi"))
	r.Add("main")
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"P got hi <nil>", "A", "main"}, r.Log())

	// The preference and Close work on it.
	require.NoError(t, ch.SetPreference(1))
	assert.Equal(t, 1, ch.Preference())
	assert.ErrorIs(t, ch.SendTimeout(main, "x", 0), tasklet.ErrTimeout, "unbuffered: nobody receives")
	require.NoError(t, ch.Close(main))
	_, err = ch.Receive(main)
	assert.ErrorIs(t, err, channel.ErrClosed)
	assert.True(t, ch.Closed())
}

// describeBlocked returns what the one blocked tasklet of s waits on, as a
// deadlock report names it.
func describeBlocked(t *testing.T, s *scheduler.Scheduler) string {
	t.Helper()
	for _, ti := range s.Snapshot() {
		if ti.State == tasklet.Blocked {
			return ti.WaitingOn
		}
	}
	return ""
}

// Issue 15 item 3: SendTimeout and ReceiveTimeout follow the module's
// timed-wait rule (tasklet.ErrTimeout's doc): d == 0 tries once, d > 0
// waits up to d on the scheduler's clock, and running out returns an error
// matching tasklet.ErrTimeout and the zero value.
func TestIssue15TimedWaitRule(t *testing.T) {
	for _, d := range []time.Duration{0, 3 * time.Millisecond} {
		t.Run(fmt.Sprint("d=", d), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			clk := scheduler.NewFakeClock(time.Unix(0, 0))
			s := newSched(t, scheduler.WithClock(clk))
			defer closeSched(t, s)
			main := s.Main()
			var ch channel.Channel[string]
			v, err := ch.ReceiveTimeout(main, d)
			assert.ErrorIs(t, err, tasklet.ErrTimeout)
			assert.Equal(t, "", v)
			assert.Equal(t, d, clk.Now().Sub(time.Unix(0, 0)))
			assert.ErrorIs(t, ch.SendTimeout(main, "x", d), tasklet.ErrTimeout)
			assert.Equal(t, 2*d, clk.Now().Sub(time.Unix(0, 0)))
			assert.Equal(t, 0, ch.Balance(), "nothing left behind")
		})
	}
}
