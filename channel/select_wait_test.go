// Tests of a blocked Select: across schedulers, Close, contexts, kills, loops and deadlock.

package channel_test

import (
	"context"
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
