// Tests of Select's cases, argument order, preference and bad input.

package channel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Each case kind alone, ready at once or completed while blocked.
func TestSelectEachCaseKind(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *scheduler.Scheduler, r *recorder)
		want []string
	}{
		{"receive, a sender waits", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			spawn(t, s, "P", func(tk *tasklet.Tasklet) { require.NoError(t, ch.Send(tk, 7)); r.Add("P sent") })
			main := s.Main()
			require.NoError(t, main.Schedule())
			rc := channel.Recv(ch)
			i, err := channel.Select(main, rc)
			r.Add("select %d %v %d", i, err, rc.Value())
		}, []string{"select 0 <nil> 7", "P sent"}},
		{"receive, blocked until a sender comes", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			spawn(t, s, "P", func(tk *tasklet.Tasklet) { require.NoError(t, ch.Send(tk, 8)); r.Add("P sent") })
			rc := channel.Recv(ch)
			i, err := channel.Select(s.Main(), rc)
			r.Add("select %d %v %d", i, err, rc.Value())
		}, []string{"select 0 <nil> 8", "P sent"}},
		{"send, a receiver waits", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			spawn(t, s, "C", func(tk *tasklet.Tasklet) { v, err := ch.Receive(tk); r.Add("C got %d %v", v, err) })
			main := s.Main()
			require.NoError(t, main.Schedule())
			i, err := channel.Select(main, channel.Send(ch, 9))
			r.Add("select %d %v", i, err)
		}, []string{"C got 9 <nil>", "select 0 <nil>"}},
		{"send, blocked until a receiver comes", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			spawn(t, s, "C", func(tk *tasklet.Tasklet) { v, err := ch.Receive(tk); r.Add("C got %d %v", v, err) })
			i, err := channel.Select(s.Main(), channel.Send(ch, 10))
			r.Add("select %d %v", i, err)
		}, []string{"C got 10 <nil>", "select 0 <nil>"}},
		{"send into a buffer", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch, err := channel.NewBuffered[int](1)
			require.NoError(t, err)
			i, err := channel.Select(s.Main(), channel.Send(ch, 11))
			r.Add("select %d %v balance %d", i, err, ch.Balance())
		}, []string{"select 0 <nil> balance 1"}},
		{"timeout", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			i, err := channel.Select(s.Main(), channel.Recv(ch), channel.Timeout(time.Second))
			r.Add("select %d %v balance %d", i, errors.Is(err, tasklet.ErrTimeout), ch.Balance())
		}, []string{"select 1 true balance 0"}},
		{"a partner before the timeout wins; the timer is disarmed", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			spawn(t, s, "late", func(tk *tasklet.Tasklet) {
				require.NoError(t, tk.Sleep(time.Millisecond))
				require.NoError(t, ch.Send(tk, 42))
			})
			rc := channel.Recv(ch)
			i, err := channel.Select(s.Main(), channel.Timeout(time.Second), rc, channel.Timeout(time.Hour))
			r.Add("select %d %v %d", i, err, rc.Value())
			require.NoError(t, s.Main().Sleep(2*time.Second)) // no late timeout
			r.Add("slept")
		}, []string{"select 1 <nil> 42", "slept"}},
		{"the earliest of two timeouts", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			i, err := channel.Select(s.Main(), channel.Timeout(time.Hour), channel.Timeout(time.Second), channel.Timeout(-1))
			r.Add("select %d %v", i, errors.Is(err, tasklet.ErrTimeout))
		}, []string{"select 1 true"}},
		{"a context that cannot be cancelled is never ready", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			i, err := channel.Select(s.Main(), channel.Done(context.Background()), channel.Default())
			r.Add("select %d %v", i, err)
		}, []string{"select 1 <nil>"}},
		{"zero timeout does not wait", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			i, err := channel.Select(s.Main(), channel.Recv(ch), channel.Timeout(0))
			r.Add("select %d %v", i, errors.Is(err, tasklet.ErrTimeout))
		}, []string{"select 1 true"}},
		{"context already done", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(errBoom)
			i, err := channel.Select(s.Main(), channel.Recv(channel.New[int]()), channel.Done(ctx))
			r.Add("select %d %v %v", i, err, context.Cause(ctx))
		}, []string{"select 1 context canceled boom"}},
		{"context cancelled by a tasklet while blocked", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ctx, cancel := context.WithCancel(context.Background())
			spawn(t, s, "canceller", func(*tasklet.Tasklet) { r.Add("cancel"); cancel() })
			ch := channel.New[int]()
			i, err := channel.Select(s.Main(), channel.Recv(ch), channel.Done(ctx))
			r.Add("select %d %v balance %d", i, err, ch.Balance())
		}, []string{"cancel", "select 1 context canceled balance 0"}},
		{"default", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			i, err := channel.Select(s.Main(), channel.Default(), channel.Recv(ch))
			r.Add("select %d %v balance %d", i, err, ch.Balance())
		}, []string{"select 0 <nil> balance 0"}},
		{"receive from a closed channel", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			require.NoError(t, ch.Close(nil))
			rc := channel.Recv(ch)
			i, err := channel.Select(s.Main(), rc)
			r.Add("select %d %v closed %v", i, err, rc.Closed())
		}, []string{"select 0 channel: closed closed true"}},
		{"receive an error sent with SendError", func(t *testing.T, s *scheduler.Scheduler, r *recorder) {
			ch := channel.New[int]()
			spawn(t, s, "P", func(tk *tasklet.Tasklet) { require.NoError(t, ch.SendError(tk, errBoom)) })
			rc := channel.Recv(ch)
			i, err := channel.Select(s.Main(), rc)
			r.Add("select %d %v closed %v", i, err, rc.Closed())
		}, []string{"select 0 boom closed false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t, scheduler.WithClock(scheduler.NewFakeClock(time.Unix(0, 0))))
			defer closeSched(t, s)
			var r recorder
			tt.run(t, s, &r)
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// When several cases are ready, the first ready one in argument order wins;
// the other values stay where they were.
func TestSelectArgumentOrderWins(t *testing.T) {
	tests := []struct {
		name  string
		order []int // the channels' positions in the Select
		want  int   // the index chosen
		value string
	}{
		{"a first", []int{0, 1}, 0, "a"},
		{"b first", []int{1, 0}, 0, "b"},
		{"timeout 0 before both", []int{-1, 0, 1}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			chans := []*channel.Channel[string]{channel.New[string](), channel.New[string](), channel.New[string]()}
			spawn(t, s, "A", func(tk *tasklet.Tasklet) { require.NoError(t, chans[0].Send(tk, "a")) })
			spawn(t, s, "B", func(tk *tasklet.Tasklet) { require.NoError(t, chans[1].Send(tk, "b")) })
			main := s.Main()
			require.NoError(t, main.Schedule())
			var cases []channel.Case
			var recvs []*channel.RecvCase[string]
			for _, k := range tt.order {
				if k < 0 {
					cases = append(cases, channel.Timeout(0))
					recvs = append(recvs, nil)
					continue
				}
				rc := channel.Recv(chans[k])
				cases = append(cases, rc)
				recvs = append(recvs, rc)
			}
			i, err := channel.Select(main, cases...)
			if tt.value == "" {
				require.ErrorIs(t, err, tasklet.ErrTimeout)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.value, recvs[i].Value())
			}
			assert.Equal(t, tt.want, i)
			total := chans[0].Balance() + chans[1].Balance()
			assert.Equal(t, map[bool]int{true: 2, false: 1}[tt.value == ""], total, "the other values stay")
			for _, ch := range chans[:2] {
				for ch.Balance() > 0 {
					_, err := ch.Receive(main)
					require.NoError(t, err)
				}
			}
			_, err = s.Run()
			require.NoError(t, err)
		})
	}
}

// The completing channel's preference decides who runs next, as for a plain
// Send or Receive (compare TestPreferenceOrderings): P selects (blocked),
// then A is spawned and main operates on the channel P's select completes on.
func TestSelectPreference(t *testing.T) {
	tests := []struct {
		name      string
		mainSends bool
		pref      int
		want      []string
	}{
		{"main sends, -1: the selecting receiver first", true, -1, []string{"P", "A", "main"}},
		{"main sends, 0: caller continues", true, 0, []string{"main", "A", "P"}},
		{"main sends, +1: sender first", true, 1, []string{"main", "A", "P"}},
		{"main receives, +1: the selecting sender first", false, 1, []string{"P", "A", "main"}},
		{"main receives, 0: caller continues", false, 0, []string{"main", "A", "P"}},
		{"main receives, -1: receiver first", false, -1, []string{"main", "A", "P"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch, other := channel.New[int](), channel.New[int]()
			require.NoError(t, ch.SetPreference(tt.pref))
			var r recorder
			spawn(t, s, "P", func(tk *tasklet.Tasklet) {
				var i int
				var err error
				if tt.mainSends {
					rc := channel.Recv(ch)
					i, err = channel.Select(tk, channel.Recv(other), rc)
					assert.Equal(t, 7, rc.Value())
				} else {
					i, err = channel.Select(tk, channel.Recv(other), channel.Send(ch, 7))
				}
				require.NoError(t, err)
				assert.Equal(t, 1, i)
				r.Add("P")
			})
			main := s.Main()
			require.NoError(t, main.Schedule()) // P blocks
			assert.Equal(t, map[bool]int{true: -1, false: 1}[tt.mainSends], ch.Balance())
			assert.Equal(t, -1, other.Balance())
			spawn(t, s, "A", func(*tasklet.Tasklet) { r.Add("A") })
			if tt.mainSends {
				require.NoError(t, ch.Send(main, 7))
			} else {
				v, err := ch.Receive(main)
				require.NoError(t, err)
				require.Equal(t, 7, v)
			}
			r.Add("main")
			assert.Equal(t, 0, other.Balance(), "withdrawn from the other channel")
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// A select that finds a partner waiting completes like the plain operation:
// with -1 a selecting sender switches to the waiting receiver.
func TestSelectReadyPreference(t *testing.T) {
	tests := []struct {
		name string
		pref int
		want []string
	}{
		{"-1: the receiver first", -1, []string{"R", "A", "main"}},
		{"0: caller continues", 0, []string{"main", "A", "R"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(tt.pref))
			var r recorder
			spawn(t, s, "R", func(tk *tasklet.Tasklet) {
				_, err := ch.Receive(tk)
				require.NoError(t, err)
				r.Add("R")
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			spawn(t, s, "A", func(*tasklet.Tasklet) { r.Add("A") })
			i, err := channel.Select(main, channel.Send(ch, 1))
			require.NoError(t, err)
			require.Equal(t, 0, i)
			r.Add("main")
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// Bad input: a nil case or two Default cases is ErrBadCase; a nil channel's
// case is never ready.
func TestSelectBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var nilCh *channel.Channel[int]
	dup := channel.Recv(channel.New[int]())
	tests := []struct {
		name  string
		cases []channel.Case
		i     int
		err   error
	}{
		{"nil case", []channel.Case{nil}, -1, channel.ErrBadCase},
		{"two defaults", []channel.Case{channel.Default(), channel.Default()}, -1, channel.ErrBadCase},
		{"nil channel never ready", []channel.Case{channel.Recv(nilCh), channel.Default()}, 1, nil},
		{"one case twice", []channel.Case{dup, dup}, -1, channel.ErrBadCase},
		{"no caller", nil, -1, tasklet.ErrZeroTasklet},
	}
	for _, tt := range tests { // main's goroutine: no subtests
		caller := main
		if tt.cases == nil {
			caller = nil
		}
		i, err := channel.Select(caller, tt.cases...)
		assert.Equal(t, tt.i, i, tt.name)
		if tt.err == nil {
			assert.NoError(t, err, tt.name)
		} else {
			assert.ErrorIs(t, err, tt.err, tt.name)
		}
	}
}
