package channel_test

import (
	"context"
	"errors"
	"sync"
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

// A select whose partner arrives from another scheduler while another
// partner arrives on a second channel from a third: exactly one wins, the
// other's value stays available.
func TestSelectCrossSchedulerOneWins(t *testing.T) {
	defer goleak.VerifyNone(t)
	for round := 0; round < 20; round++ {
		a := newSched(t)
		c1, c2 := channel.New[int](), channel.New[int]()
		var wg sync.WaitGroup
		start := make(chan struct{})
		ready := make(chan struct{}, 2)
		for k, ch := range []*channel.Channel[int]{c1, c2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer b.Close()
				ready <- struct{}{}
				<-start
				b.Spawn(func(tk *tasklet.Tasklet) { assert.NoError(t, ch.Send(tk, k+1)) })
				_, err = b.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			}()
		}
		<-ready
		<-ready
		close(start)
		main := a.Main()
		r1, r2 := channel.Recv(c1), channel.Recv(c2)
		i, err := channel.Select(main, r1, r2)
		require.NoError(t, err)
		got := []int{[]int{r1.Value(), r2.Value()}[i]}
		other := []*channel.Channel[int]{c2, c1}[i]
		v, err := other.Receive(main) // the loser's value is still there
		require.NoError(t, err)
		got = append(got, v)
		wg.Wait()
		assert.ElementsMatch(t, []int{1, 2}, got)
		assert.Equal(t, []int{i + 1, 2 - i}, got)
		assert.Equal(t, 0, c1.Balance())
		assert.Equal(t, 0, c2.Balance())
		closeSched(t, a)
	}
}

// Close of one channel completes a blocked select's receive case with
// ErrClosed and withdraws it from the others; a send case stays queued.
func TestSelectClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	a, b, out := channel.New[int](), channel.New[int](), channel.New[int]()
	var r recorder
	ra, rb := channel.Recv(a), channel.Recv(b)
	spawn(t, s, "S", func(tk *tasklet.Tasklet) {
		i, err := channel.Select(tk, ra, rb)
		r.Add("S %d %v closed %v", i, err, rb.Closed())
		i, err = channel.Select(tk, channel.Send(out, 5), ra)
		r.Add("S %d %v", i, err)
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	assert.Equal(t, []int{-1, -1}, []int{a.Balance(), b.Balance()})
	require.NoError(t, b.Close(nil))
	assert.Equal(t, []int{0, 0}, []int{a.Balance(), b.Balance()})
	require.NoError(t, main.Schedule()) // S runs, then blocks sending on out
	require.NoError(t, out.Close(nil))
	assert.Equal(t, 1, out.Balance(), "a send case stays queued on Close")
	v, err := out.Receive(main)
	require.NoError(t, err)
	r.Add("main got %d", v)
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"S 1 channel: closed closed true", "main got 5", "S 0 <nil>"}, r.Log())
}

// A context cancelled from a plain goroutine wakes the selecting tasklet on
// its own scheduler, out of every queue, with ctx.Err().
func TestSelectContextCancelledFromGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	a, b := channel.New[int](), channel.New[int]()
	ctx, cancel := context.WithCancelCause(context.Background())
	w, err := s.Waker() // a goroutine will wake it
	require.NoError(t, err)
	go func() {
		defer w.Release()
		for a.Balance() != -1 || b.Balance() != 1 {
			time.Sleep(time.Millisecond)
		}
		cancel(errBoom)
	}()
	i, err := channel.Select(s.Main(), channel.Recv(a), channel.Done(ctx), channel.Send(b, 1))
	assert.Equal(t, 1, i)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, context.Cause(ctx), errBoom)
	assert.Equal(t, []int{0, 0}, []int{a.Balance(), b.Balance()})
}

// Kill and throw while selecting take the tasklet out of every queue.
func TestSelectKillAndThrowWithdraw(t *testing.T) {
	tests := []struct {
		name string
		kill bool
		want []string
	}{
		{"kill", true, []string{"S cleanup"}},
		{"throw", false, []string{"S -1 boom", "S cleanup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			a, b := channel.New[int](), channel.New[string]()
			var r recorder
			tk := spawn(t, s, "S", func(tk *tasklet.Tasklet) {
				defer r.Add("S cleanup")
				i, err := channel.Select(tk, channel.Recv(a), channel.Send(b, "x"), channel.Timeout(time.Hour))
				r.Add("S %d %v", i, err)
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			assert.Equal(t, []int{-1, 1}, []int{a.Balance(), b.Balance()})
			assert.Equal(t, []*tasklet.Tasklet{tk}, a.Queue())
			assert.Equal(t, []*tasklet.Tasklet{tk}, b.Queue())
			if tt.kill {
				require.NoError(t, main.KillNow(tk))
			} else {
				require.NoError(t, tk.Throw(errBoom))
			}
			assert.Equal(t, []int{0, 0}, []int{a.Balance(), b.Balance()})
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
			assert.Empty(t, a.Queue())
			assert.Empty(t, b.Queue())
		})
	}
}

// A select in a loop serving two producers and a quit channel.
func TestSelectLoopTwoProducersAndQuit(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	nums, words := channel.New[int](), channel.New[string]()
	quit := channel.New[struct{}]()
	var r recorder
	spawn(t, s, "nums", func(tk *tasklet.Tasklet) {
		for i := 1; i <= 3; i++ {
			require.NoError(t, nums.Send(tk, i))
		}
	})
	spawn(t, s, "words", func(tk *tasklet.Tasklet) {
		for _, w := range []string{"x", "y"} {
			require.NoError(t, words.Send(tk, w))
		}
		require.NoError(t, quit.Send(tk, struct{}{}))
	})
	main := s.Main()
	rn, rw, rq := channel.Recv(nums), channel.Recv(words), channel.Recv(quit)
	for done := false; !done; {
		i, err := channel.Select(main, rn, rw, rq)
		require.NoError(t, err)
		switch i {
		case 0:
			r.Add("num %d", rn.Value())
		case 1:
			r.Add("word %s", rw.Value())
		case 2:
			r.Add("quit")
			done = true
		}
	}
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"num 1", "word x", "num 2", "word y", "num 3", "quit"}, r.Log())
	assert.Equal(t, []int{0, 0, 0}, []int{nums.Balance(), words.Balance(), quit.Balance()})
}

// Two selects meet: one's send case completes the other's receive case.
func TestSelectMeetsSelect(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	a, b := channel.New[int](), channel.New[int]()
	var r recorder
	spawn(t, s, "R", func(tk *tasklet.Tasklet) {
		ra, rb := channel.Recv(a), channel.Recv(b)
		i, err := channel.Select(tk, ra, rb)
		r.Add("R %d %v %d", i, err, rb.Value())
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	i, err := channel.Select(main, channel.Send(b, 4), channel.Recv(channel.New[int]()))
	r.Add("main %d %v", i, err)
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"R 1 <nil> 4", "main 0 <nil>"}, r.Log())
	assert.Equal(t, []int{0, 0}, []int{a.Balance(), b.Balance()})
}

// A deadlock report names every channel a select waits on; block trap
// refuses to block; the callback sees the operation a select completes.
func TestSelectDeadlockTrapAndCallback(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	a, b := channel.New[int](), channel.New[int]()
	main := s.Main()

	_, err := channel.Select(main, channel.Recv(a), channel.Send(b, 1))
	var derr *tasklet.DeadlockError
	require.ErrorAs(t, err, &derr)
	assert.Equal(t, "selecting on receive on "+a.String()+", send on "+b.String(), derr.On)
	assert.Equal(t, []int{0, 0}, []int{a.Balance(), b.Balance()})

	old := main.SetBlockTrap(true)
	i, err := channel.Select(main, channel.Recv(a), channel.Send(b, 1))
	assert.Equal(t, -1, i)
	assert.ErrorIs(t, err, tasklet.ErrWouldBlock)
	main.SetBlockTrap(old)

	var r recorder
	prev := channel.SetCallback(func(ch any, tk *tasklet.Tasklet, sending, willBlock bool) {
		r.Add("%v %s sending=%v block=%v", ch, tk.Name(), sending, willBlock)
	})
	defer channel.SetCallback(prev)
	spawn(t, s, "P", func(tk *tasklet.Tasklet) { require.NoError(t, b.Send(tk, 3)) })
	i, err = channel.Select(main, channel.Recv(a), channel.Recv(b))
	require.NoError(t, err)
	assert.Equal(t, 1, i)
	_, err = s.Run()
	require.NoError(t, err)
	mn := main.Name()
	assert.Equal(t, []string{
		a.String() + " " + mn + " sending=false block=true",
		b.String() + " " + mn + " sending=false block=true",
		b.String() + " P sending=true block=false",
	}, r.Log())
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
