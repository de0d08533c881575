package channel_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: the Tasklet that Queue lists for a goroutine blocked in
// SendOutside. ErrOutsider's doc: "it is not a tasklet of any scheduler, so
// it cannot be switched to, killed or thrown into"; commit 23fcbeb: "Run,
// Switch and Adopt of an outside sender's Tasklet say ErrOutsider". Every
// operation on it fails with ErrOutsider and changes nothing: the send is
// still waiting and is received afterwards.
func TestAdv2OutsiderOperations(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2Outsider(t, adv2OutsiderOps)
}

// Scheduler.RunFrom with the outsider as caller said ErrDead ("stackless:
// tasklet is dead") for a sender that is Blocked and alive, and
// scheduler.Blocking said ErrNotCurrent (every other operation, Send,
// Select, SleepContext, ScheduleRemove... included, says ErrOutsider).
// ErrOutsider's doc: "ErrOutsider is returned by the operations of a Tasklet
// that stands for a goroutine blocked in SendOutside".
func TestAdv2OutsiderWrongError(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2Outsider(t, []adv2OutsiderOp{
		{"RunFrom", func(s *scheduler.Scheduler, o *tasklet.Tasklet) error { _, err := s.RunFrom(o); return err }},
		{"Blocking as", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error {
			_, err := scheduler.Blocking(o, func(context.Context) (int, error) { return 1, nil })
			return err
		}},
	})
}

type adv2OutsiderOp struct {
	name string
	op   func(s *scheduler.Scheduler, o *tasklet.Tasklet) error
}

var adv2OutsiderOps = []adv2OutsiderOp{
	{"Run", func(s *scheduler.Scheduler, o *tasklet.Tasklet) error { return s.Main().Run(o) }},
	{"Switch", func(s *scheduler.Scheduler, o *tasklet.Tasklet) error { return s.Main().Switch(o) }},
	{"Adopt", func(s *scheduler.Scheduler, o *tasklet.Tasklet) error { return s.Adopt(o) }},
	{"Kill", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { return o.Kill() }},
	{"KillNow", func(s *scheduler.Scheduler, o *tasklet.Tasklet) error { return s.Main().KillNow(o) }},
	{"Throw", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { return o.Throw(context.Canceled) }},
	{"ThrowNow", func(s *scheduler.Scheduler, o *tasklet.Tasklet) error { return s.Main().ThrowNow(o, context.Canceled) }},
	{"Insert", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { return o.Insert() }},
	{"InsertValue", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { return o.InsertValue(1) }},
	{"Remove", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { return o.Remove() }},
	{"Schedule", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { return o.Schedule() }},
	{"Sleep", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { return o.Sleep(0) }},
	{"Send as", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { return channel.New[int]().Send(o, 1) }},
	{"Select as", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error {
		_, err := channel.Select(o, channel.Recv(channel.New[int]()))
		return err
	}},
	{"ReceiveContext as", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, err := channel.New[int]().ReceiveContext(ctx, o)
		return err
	}},
	{"SleepContext as", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error {
		return scheduler.SleepContext(context.Background(), o, time.Second)
	}},
	{"ScheduleRemove", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error { _, err := o.ScheduleRemove(); return err }},
	{"Receive as", func(_ *scheduler.Scheduler, o *tasklet.Tasklet) error {
		_, err := channel.New[int]().Receive(o)
		return err
	}},
}

func adv2Outsider(t *testing.T, ops []adv2OutsiderOp) {
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			done := make(chan error, 1)
			go func() { done <- ch.SendOutside(context.Background(), 42) }()
			awaitBalance(ch, 1)
			q := ch.Queue()
			require.Len(t, q, 1)
			o := q[0]
			err := tc.op(s, o)
			assert.ErrorIs(t, err, channel.ErrOutsider)
			assert.Equal(t, tasklet.Blocked, o.State())
			assert.Equal(t, 1, ch.Balance())
			assert.Equal(t, 1, s.RunCount())
			v, err := ch.Receive(s.Main())
			require.NoError(t, err)
			assert.Equal(t, 42, v)
			require.NoError(t, <-done)
			assert.Equal(t, tasklet.Dead, o.State())
		})
	}
}
