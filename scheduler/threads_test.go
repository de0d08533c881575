package scheduler_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Issue 18: N schedulers on locked threads need a start-up barrier, or a
// thread whose tasklets wait on another's returns from Run(ThreadBlock())
// at once, silently. StartThreads has it: a ring of threads passes a token
// round, each thread's tasklet set up before any thread runs.
func TestStartThreadsBarrierRing(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, n := range []int{1, 2, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			const rounds = 3
			links := make([]*channel.Channel[int], n) // links[i]: into thread i
			for i := range links {
				links[i], _ = channel.NewBuffered[int](1) // a thread may send to itself
			}
			got := make([][]int, n) // each written only by its own thread
			g, err := scheduler.StartThreads(n, func(i int, s *scheduler.Scheduler) error {
				_, err := s.SpawnNamed(fmt.Sprint("ring-", i), func(tk *tasklet.Tasklet) {
					if i == 0 {
						require.NoError(t, links[1%n].Send(tk, 0))
					}
					for r := range rounds {
						v, err := links[i].Receive(tk)
						require.NoError(t, err)
						got[i] = append(got[i], v)
						if i != 0 || r < rounds-1 {
							require.NoError(t, links[(i+1)%n].Send(tk, v+1))
						}
					}
				})
				return err
			})
			require.NoError(t, err)
			require.Equal(t, n, g.Len())
			require.NoError(t, g.Wait())
			for i := range n {
				want := make([]int, rounds)
				for r := range rounds {
					want[r] = r*n + (i+n-1)%n
				}
				assert.Equal(t, want, got[i], "thread %d", i)
			}
		})
	}
}

// Tasklets of three locked threads wait on one Event; another goroutine
// kills thread 0's and then sets the Event: the killed ones unwind (their
// cleanup runs), the others are woken, and every thread ends cleanly.
func TestStartThreadsWithKills(t *testing.T) {
	defer goleak.VerifyNone(t)
	const threads, each = 3, 2
	var ev locks.Event
	var mu sync.Mutex
	var events []string
	record := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
	victims := make([]*tasklet.Tasklet, 0, each)
	g, err := scheduler.StartThreads(threads, func(i int, s *scheduler.Scheduler) error {
		for j := range each {
			tk, err := s.Spawn(func(tk *tasklet.Tasklet) {
				woken := false
				defer func() { record(fmt.Sprintf("%d/%d woken=%v", i, j, woken)) }()
				ok, err := ev.Wait(tk)
				woken = ok && err == nil
			})
			if err != nil {
				return err
			}
			if i == 0 {
				victims = append(victims, tk) // setups run before StartThreads returns
			}
		}
		return nil
	})
	require.NoError(t, err)
	for ev.Waiting() < threads*each {
		runtime.Gosched()
	}
	for _, v := range victims {
		require.NoError(t, v.Kill())
	}
	for ev.Waiting() > (threads-1)*each {
		runtime.Gosched()
	}
	ev.Set(nil)
	require.NoError(t, g.Wait())
	slices.Sort(events)
	assert.Equal(t, []string{"0/0 woken=false", "0/1 woken=false",
		"1/0 woken=true", "1/1 woken=true", "2/0 woken=true", "2/1 woken=true"}, events)
}

// A group's hold keeps its threads waiting for outside work until Release;
// then a thread that nothing can wake ends: Run returns, and Close kills
// the tasklet still blocked (its cleanup runs).
func TestStartThreadsReleaseEndsIdleThreads(t *testing.T) {
	defer goleak.VerifyNone(t)
	ch, err := channel.NewBuffered[int](4)
	require.NoError(t, err)
	var got []any
	g, err := scheduler.StartThreads(1, func(_ int, s *scheduler.Scheduler) error {
		_, err := s.Spawn(func(tk *tasklet.Tasklet) {
			defer func() { got = append(got, "unwound") }()
			for {
				v, err := ch.Receive(tk)
				if err != nil {
					got = append(got, err)
					return
				}
				got = append(got, v)
			}
		})
		return err
	})
	require.NoError(t, err)
	require.NoError(t, ch.Offer(nil, 1)) // from outside: no scheduler of our own
	require.NoError(t, ch.Offer(nil, 2))
	for ch.Balance() != -1 { // drained, the receiver waits again
		runtime.Gosched()
	}
	g.Release()
	require.NoError(t, g.Wait())
	assert.Equal(t, []any{1, 2, "unwound"}, got)
}

func TestStartThreadsBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	boom := errors.New("boom")
	cases := []struct {
		name  string
		n     int
		setup func(int, *scheduler.Scheduler) error
		opts  []scheduler.Option
		want  error
	}{
		{name: "no thread", n: 0, setup: func(int, *scheduler.Scheduler) error { return nil }, want: scheduler.ErrBadThreadCount},
		{name: "nil setup", n: 2, want: tasklet.ErrNilFunc},
		{name: "a setup fails", n: 3, setup: func(i int, s *scheduler.Scheduler) error {
			if _, err := s.Spawn(func(tk *tasklet.Tasklet) {}); err != nil {
				return err
			}
			if i == 1 {
				return boom
			}
			return nil
		}, want: boom},
		{name: "bad option", n: 2, setup: func(int, *scheduler.Scheduler) error { return nil },
			opts: []scheduler.Option{nil}, want: scheduler.ErrNilOption},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			g, err := scheduler.StartThreads(tc.n, tc.setup, tc.opts...)
			assert.ErrorIs(t, err, tc.want)
			assert.Nil(t, g)
		})
	}
}
