package channel_test

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
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 18: the Tasklet that Queue lists for a goroutine blocked in
// SendOutside reported Blocked (and Alive) for ever, even after its
// SendOutside had returned, and was handed to the next SendOutside of any
// goroutine on any channel (outsiders are pooled), so a caller holding it
// saw a finished send come back to life. Now it is Blocked while its
// goroutine waits, Dead once SendOutside has returned, and an outsider
// that Queue handed out is never reused.
func TestAdversarial18OutsiderStateAfterSend(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name   string
		cancel bool // the goroutine's context ends instead of a receive
		want   []string
	}{
		{name: "delivered", want: []string{"blocked true true", "received 5", "sent <nil>", "dead false false"}},
		{name: "cancelled", cancel: true, want: []string{"blocked true true", "sent context canceled", "dead false false"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var ch channel.Channel[int] // the zero Channel
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error)
			go func() { done <- ch.SendOutside(ctx, 5) }()
			awaitBalance(&ch, 1)
			q := ch.Queue()
			require.Len(t, q, 1)
			o := q[0]
			var log []string
			state := func() string { return fmt.Sprintf("%v %v %v", o.State(), o.Alive(), o.Blocked()) }
			log = append(log, state())
			if tc.cancel {
				cancel()
			} else {
				v, err := ch.Receive(s.Main())
				require.NoError(t, err)
				log = append(log, fmt.Sprint("received ", v))
			}
			log = append(log, fmt.Sprint("sent ", <-done))
			log = append(log, state())

			// The next outside sender, on this channel or another, is not o.
			go func() { done <- ch.SendOutside(context.Background(), 6) }()
			awaitBalance(&ch, 1)
			q2 := ch.Queue()
			require.Len(t, q2, 1)
			assert.NotSame(t, o, q2[0])
			assert.NotEqual(t, o.ID(), q2[0].ID())
			assert.Equal(t, tasklet.Dead, o.State())
			v, err := ch.Receive(s.Main())
			require.NoError(t, err)
			assert.Equal(t, 6, v)
			require.NoError(t, <-done)
			assert.Equal(t, tc.want, log)
		})
	}
}

// The Tasklet of an outside sender, found in Queue, refuses every
// operation with ErrOutsider (or says it is no tasklet of a scheduler),
// never panics, and leaves the send undisturbed.
func TestAdversarial18OutsiderTaskletOperations(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	done := make(chan error)
	go func() { done <- ch.SendOutside(context.Background(), 9) }()
	awaitBalance(ch, 1)
	o := ch.Queue()[0]
	main := s.Main()
	boom := errors.New("boom")
	cases := []struct {
		name string
		op   func() error
		want error
	}{
		{"Kill", o.Kill, channel.ErrOutsider},
		{"Throw", func() error { return o.Throw(boom) }, channel.ErrOutsider},
		{"Insert", o.Insert, channel.ErrOutsider},
		{"InsertValue", func() error { return o.InsertValue(1) }, channel.ErrOutsider},
		{"Remove", o.Remove, channel.ErrOutsider},
		{"Schedule", o.Schedule, channel.ErrOutsider},
		{"ScheduleRemove", func() error { _, err := o.ScheduleRemove(); return err }, channel.ErrOutsider},
		{"Sleep", func() error { return o.Sleep(time.Second) }, channel.ErrOutsider},
		{"Run", func() error { return o.Run(o) }, channel.ErrOutsider},
		{"main.Run(o)", func() error { return main.Run(o) }, channel.ErrOutsider},
		{"main.Switch(o)", func() error { return main.Switch(o) }, channel.ErrOutsider},
		{"main.KillNow(o)", func() error { return main.KillNow(o) }, channel.ErrOutsider},
		{"main.ThrowNow(o)", func() error { return main.ThrowNow(o, boom) }, channel.ErrOutsider},
		{"Adopt", func() error { return s.Adopt(o) }, channel.ErrOutsider},
		{"Send as o", func() error { return ch.Send(o, 1) }, channel.ErrOutsider},
		{"Receive as o", func() error { _, err := channel.New[int]().Receive(o); return err }, channel.ErrOutsider},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			assert.ErrorIs(t, tc.op(), tc.want)
			assert.Equal(t, tasklet.Blocked, o.State())
			assert.Nil(t, scheduler.Of(o))
			assert.Equal(t, []*tasklet.Tasklet{o}, ch.Queue())
		})
	}
	v, err := ch.Receive(main)
	require.NoError(t, err)
	assert.Equal(t, 9, v)
	require.NoError(t, <-done)
}

// Close(t) follows the caller rule like every waking call: a receiver
// woken by a caller of its own scheduler (running or not) goes to the end
// of the run queue, one woken by a caller of another scheduler, nil or a
// zero Tasklet runs next; Close never fails for the caller it is given.
func TestAdversarial18CloseCallerOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	atEnd := []string{"close <nil>", "B", "R channel: closed", "A again"}
	next := []string{"close <nil>", "R channel: closed", "B", "A again"}
	for _, tc := range schedtest.Callers {
		want := next
		if tc.Local {
			want = atEnd
		}
		t.Run(tc.Name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			other := newSched(t)
			defer closeSched(t, other)
			foreign := spawn(t, other, "foreign", func(*tasklet.Tasklet) {})
			dead := spawn(t, s, "dead", func(*tasklet.Tasklet) {})
			_, err := s.Run()
			require.NoError(t, err)
			ch := channel.New[int]()
			var log []string
			spawn(t, s, "R", func(tk *tasklet.Tasklet) {
				_, err := ch.Receive(tk)
				log = append(log, fmt.Sprint("R ", err))
			})
			spawn(t, s, "A", func(a *tasklet.Tasklet) {
				log = append(log, fmt.Sprint("close ", ch.Close(tc.Pick(a, dead, s.Main(), foreign))))
				assert.NoError(t, a.Schedule())
				log = append(log, "A again")
			})
			spawn(t, s, "B", func(*tasklet.Tasklet) { log = append(log, "B") })
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, want, log)
		})
	}
}

// The timed-wait rule on a channel, at its edges, on a fake clock: d < 0
// waits for ever, 0 does not wait, d > 0 until the clock (which jumps to
// the deadline when nothing else can run) reaches it; running out returns
// an error matching tasklet.ErrTimeout, the zero value, and leaves the
// queue (balance 0).
func TestAdversarial18ChannelTimedWaitEdges(t *testing.T) {
	defer goleak.VerifyNone(t)
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ops := []struct {
		name string
		op   func(ch *channel.Channel[string], tk *tasklet.Tasklet, d time.Duration) (string, error)
	}{
		{"SendTimeout", func(ch *channel.Channel[string], tk *tasklet.Tasklet, d time.Duration) (string, error) {
			return "", ch.SendTimeout(tk, "v", d)
		}},
		{"ReceiveTimeout", func(ch *channel.Channel[string], tk *tasklet.Tasklet, d time.Duration) (string, error) {
			return ch.ReceiveTimeout(tk, d)
		}},
	}
	for _, op := range ops {
		for _, tc := range schedtest.TimedEdges {
			t.Run(op.name+"/"+tc.Name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				clk := scheduler.NewFakeClock(epoch)
				s := newSched(t, scheduler.WithClock(clk))
				defer closeSched(t, s)
				ch := channel.New[string]()
				var log []string
				w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
					v, err := op.op(ch, tk, tc.D)
					log = append(log, fmt.Sprintf("%q %v", v, errors.Is(err, tasklet.ErrTimeout)))
				})
				_, err := s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
				if tc.Forever {
					assert.Empty(t, log)
					assert.True(t, w.Blocked())
					assert.Equal(t, []*tasklet.Tasklet{w}, ch.Queue())
					assert.Equal(t, epoch, clk.Now())
					require.NoError(t, w.Kill())
					_, err = s.Run()
					require.NoError(t, err)
					assert.Equal(t, 0, ch.Balance())
					return
				}
				assert.Equal(t, []string{`"" true`}, log)
				assert.Equal(t, 0, ch.Balance())
				if tc.Elapsed >= 0 {
					assert.Equal(t, tc.Elapsed, clk.Now().Sub(epoch))
				}
			})
		}
	}
}
