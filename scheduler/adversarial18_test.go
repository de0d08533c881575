package scheduler_test

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
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

// Adversarial 18: a setup that panics or calls runtime.Goexit in one of N
// threads used to crash the process (the panic escaped the thread's
// goroutine) or hang StartThreads for ever (the thread never reached the
// barrier); a huge n panicked in make. Now the fault is a
// *tasklet.PanicError, no thread runs, every scheduler is closed (the
// tasklets the setups spawned are killed: their cleanup runs), and a count
// past Go's thread limit is ErrBadThreadCount.
func TestAdversarial18StartThreadsSetupFaults(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name      string
		n         int
		fault     func() // run by thread 1's setup, after it spawned a tasklet
		wantValue any    // the PanicError's Value; nil: want ErrBadThreadCount
	}{
		{name: "panic", n: 3, fault: func() { panic("boom") }, wantValue: "boom"},
		{name: "goexit", n: 3, fault: runtime.Goexit, wantValue: tasklet.ErrGoexit},
		{name: "panic with an error", n: 2, fault: func() { panic(tasklet.ErrDead) }, wantValue: tasklet.ErrDead},
		{name: "huge n", n: math.MaxInt},
		{name: "past the thread limit", n: 10001},
		{name: "negative huge n", n: math.MinInt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var mu sync.Mutex
			var ran []string // no thread runs a tasklet
			g, err := scheduler.StartThreads(tc.n, func(i int, s *scheduler.Scheduler) error {
				_, err := s.Spawn(func(*tasklet.Tasklet) {
					mu.Lock()
					ran = append(ran, fmt.Sprint("ran ", i)) // never: no thread runs
					mu.Unlock()
				})
				if err != nil {
					return err
				}
				_, err = s.Spawn(func(tk *tasklet.Tasklet) {})
				if i == 1 {
					tc.fault()
				}
				return err
			})
			assert.Nil(t, g)
			if tc.wantValue == nil {
				require.ErrorIs(t, err, scheduler.ErrBadThreadCount)
				return
			}
			var pe *tasklet.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.wantValue, pe.Value)
			if e, ok := tc.wantValue.(error); ok {
				assert.ErrorIs(t, err, e)
			}
			sort.Strings(ran)
			assert.Empty(t, ran)
		})
	}
}

// A killed tasklet's cleanup runs when a faulty setup makes the group
// abort: the scheduler whose setup called runtime.Goexit is closed too.
func TestAdversarial18StartThreadsGoexitClosesItsScheduler(t *testing.T) {
	defer goleak.VerifyNone(t)
	var mu sync.Mutex
	var got []string
	g, err := scheduler.StartThreads(2, func(i int, s *scheduler.Scheduler) error {
		tk, err := s.Spawn(func(tk *tasklet.Tasklet) {
			defer func() { mu.Lock(); got = append(got, fmt.Sprint("cleanup ", i)); mu.Unlock() }()
			_, _ = tk.ScheduleRemove()
		})
		if err != nil {
			return err
		}
		require.NoError(t, s.Main().Run(tk)) // it runs to ScheduleRemove: paused, alive
		if i == 0 {
			runtime.Goexit()
		}
		return nil
	})
	assert.Nil(t, g)
	require.ErrorIs(t, err, tasklet.ErrGoexit)
	sort.Strings(got)
	assert.Equal(t, []string{"cleanup 0", "cleanup 1"}, got)
}

// Wait and Release are idempotent; Go after the group ended is
// ErrSchedulerClosed and fn does not run.
func TestAdversarial18ThreadsWaitTwiceGoAfterClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	g, err := scheduler.StartThreads(2, func(int, *scheduler.Scheduler) error { return nil })
	require.NoError(t, err)
	g.Release()
	g.Release()
	require.NoError(t, g.Wait())
	require.NoError(t, g.Wait())
	ran := false
	for i := range g.Len() {
		assert.ErrorIs(t, g.Scheduler(i).Go(func() { ran = true }), tasklet.ErrSchedulerClosed)
	}
	assert.False(t, ran)
}

// A goroutine started with Go that ends without waking anyone (returns,
// or calls runtime.Goexit) gives its Waker back: main, blocked on what it
// never sent, gets the deadlock report then, not a hang. Its wake-ups
// meanwhile are honoured.
func TestAdversarial18GoEndsWithoutWaking(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name string
		end  func()
	}{
		{"returns", func() {}},
		{"runtime.Goexit", runtime.Goexit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			release := make(chan struct{})
			done := make(chan struct{})
			require.NoError(t, s.Go(func() {
				defer close(done)
				for ch.Balance() != -1 {
					runtime.Gosched()
				}
				require.NoError(t, ch.Offer(nil, 1)) // main's first receive
				<-release
				tc.end()
			}))
			var log []string
			v, err := ch.Receive(s.Main())
			log = append(log, fmt.Sprint("got ", v, " ", err))
			close(release)
			_, err = ch.Receive(s.Main())
			log = append(log, fmt.Sprint("deadlock ", errors.Is(err, tasklet.ErrDeadlock)))
			<-done
			assert.Equal(t, []string{"got 1 <nil>", "deadlock true"}, log)
			assert.Equal(t, 0, ch.Balance())
		})
	}
}

// Close while a Go goroutine is still running: Close kills the tasklets
// as usual (their cleanup runs, and a Go call from a cleanup, during
// Close, is refused); the goroutine's later calls on the closed scheduler
// fail cleanly, and its Waker's release after Close is harmless.
func TestAdversarial18CloseWhileGoRuns(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	ch := channel.New[int]()
	var mu sync.Mutex
	var log []string
	record := func(e string) { mu.Lock(); log = append(log, e); mu.Unlock() }
	r := spawn(t, s, "r", func(tk *tasklet.Tasklet) {
		defer func() {
			record(fmt.Sprint("cleanup: Go ", errors.Is(s.Go(func() { record("never") }), tasklet.ErrSchedulerClosed)))
		}()
		_, _ = ch.Receive(tk)
		record("never received")
	})
	release := make(chan struct{})
	done := make(chan struct{})
	require.NoError(t, s.Go(func() {
		defer close(done)
		<-release
		record(fmt.Sprint("offer ", ch.Offer(nil, 1)))
		record(fmt.Sprint("insert ", errors.Is(r.Insert(), tasklet.ErrDead)))
		_, err := s.Spawn(func(*tasklet.Tasklet) {})
		record(fmt.Sprint("spawn ", errors.Is(err, tasklet.ErrSchedulerClosed)))
	}))
	_, err = s.Run() // r blocks; the Go goroutine keeps s from a deadlock, Run returns
	require.NoError(t, err)
	require.NoError(t, s.Close())
	record("closed")
	close(release)
	<-done
	assert.Equal(t, []string{"cleanup: Go true", "closed", "offer stackless: operation would block (block trap)",
		"insert true", "spawn true"}, log)
}

// Kills across threads: a tasklet of thread 0 kills (KillNow, the immediate
// form) a tasklet of thread 1 waiting on a channel, and throws into
// another; both take the pending form on their own thread (no error, the
// killer continues), the victim unwinds, and every thread ends cleanly.
// An uncaught panic on a thread ends that thread's Run: Wait reports it.
func TestAdversarial18ThreadsCrossKillsAndPanics(t *testing.T) {
	defer goleak.VerifyNone(t)
	boom := errors.New("boom")
	cases := []struct {
		name    string
		panics  bool
		want    []string
		wantErr bool
	}{
		{name: "kill and throw", want: []string{
			"0: KillNow <nil>", "0: ThrowNow <nil>", "0: continues", "1/a unwound", "1/b got boom"}}, // thread 1's sorted
		{name: "a tasklet panics", panics: true, want: []string{"1/c panics"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var mu sync.Mutex
			var log0, log1 []string // by thread
			record := func(e string) {
				mu.Lock()
				defer mu.Unlock()
				if e[0] == '0' {
					log0 = append(log0, e)
				} else {
					log1 = append(log1, e)
				}
			}
			ch := channel.New[int]()
			victims := make(chan *tasklet.Tasklet, 2)
			g, err := scheduler.StartThreads(2, func(i int, s *scheduler.Scheduler) error {
				if i == 1 {
					if tc.panics {
						_, err := s.Spawn(func(*tasklet.Tasklet) { record("1/c panics"); panic("boom") })
						return err
					}
					a, err := s.Spawn(func(tk *tasklet.Tasklet) {
						defer func() { record("1/a unwound") }()
						_, _ = ch.Receive(tk)
					})
					if err != nil {
						return err
					}
					b, err := s.Spawn(func(tk *tasklet.Tasklet) {
						_, err := ch.Receive(tk)
						record(fmt.Sprint("1/b got ", err))
					})
					victims <- a
					victims <- b
					return err
				}
				if tc.panics {
					return nil
				}
				_, err := s.Spawn(func(tk *tasklet.Tasklet) {
					a, b := <-victims, <-victims
					for ch.Balance() != -2 { // both wait on thread 1
						require.NoError(t, tk.Sleep(0))
					}
					record(fmt.Sprint("0: KillNow ", tk.KillNow(a)))
					record(fmt.Sprint("0: ThrowNow ", tk.ThrowNow(b, boom)))
					record("0: continues")
				})
				return err
			})
			require.NoError(t, err)
			err = g.Wait()
			if tc.wantErr {
				var pe *tasklet.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "boom", pe.Value)
			} else {
				require.NoError(t, err)
			}
			mu.Lock()
			defer mu.Unlock()
			sort.Strings(log1) // thread 1's two victims end in either order
			assert.Equal(t, tc.want, append(log0, log1...))
		})
	}
}

// Adversarial 18 A: Close, Run or a switch of main called from a goroutine
// other than main's (here: the test goroutine, on a scheduler driven by a
// locked thread of StartThreads) is ErrNotCurrent, always, not only in the
// debug mode: it used to close the scheduler from the wrong goroutine, or
// crash the process ("coro: OS thread locking must match") for a Run.
func TestAdversarial18MainFromAnotherGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name string
		call func(s *scheduler.Scheduler) error
	}{
		{"Close", func(s *scheduler.Scheduler) error { return s.Close() }},
		{"Run", func(s *scheduler.Scheduler) error { _, err := s.Run(); return err }},
		{"Schedule", func(s *scheduler.Scheduler) error { return s.Main().Schedule() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log []string
			g, err := scheduler.StartThreads(1, func(_ int, s *scheduler.Scheduler) error {
				_, err := s.Spawn(func(tk *tasklet.Tasklet) {
					log = append(log, "ran")
				})
				return err
			})
			require.NoError(t, err)
			err = tc.call(g.Scheduler(0)) // the thread has not run yet: held by the barrier
			assert.ErrorIs(t, err, tasklet.ErrNotCurrent)
			g.Release()
			require.NoError(t, g.Wait())
			assert.Equal(t, []string{"ran"}, log, "the thread ran its tasklet and closed its scheduler itself")
		})
	}
}

// Adversarial 18 B: deadlines used to be the clock's UnixNano, which ends in
// 2262: on a fake clock set past it, every timed wait returned at once. They
// now count from the scheduler's creation, so a clock set anywhere works.
func TestAdversarial18DeadlinesPast2262(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, start := range []time.Time{
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		t.Run(start.Format("2006"), func(t *testing.T) {
			clk := scheduler.NewFakeClock(start)
			s, err := scheduler.New(scheduler.WithClock(clk))
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			var slept []time.Duration
			for _, d := range []time.Duration{time.Hour, time.Minute} {
				_, err := s.Spawn(func(tk *tasklet.Tasklet) {
					at := clk.Now()
					assert.NoError(t, tk.Sleep(d))
					slept = append(slept, clk.Now().Sub(at))
				})
				require.NoError(t, err)
			}
			_, err = s.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			assert.Equal(t, []time.Duration{time.Minute, time.Hour}, slept)
		})
	}
}

// Threads.Scheduler with an index out of range returns nil (it panicked).
func TestAdversarial18ThreadsSchedulerOutOfRange(t *testing.T) {
	defer goleak.VerifyNone(t)
	g, err := scheduler.StartThreads(2, func(int, *scheduler.Scheduler) error { return nil })
	require.NoError(t, err)
	assert.NotNil(t, g.Scheduler(1))
	assert.Nil(t, g.Scheduler(2))
	assert.Nil(t, g.Scheduler(-1))
	g.Release()
	require.NoError(t, g.Wait())
}
