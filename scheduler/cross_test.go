package scheduler_test

import (
	"context"
	"errors"
	"fmt"
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

// remote drives a scheduler on a goroutine of its own: setup runs there
// first, then body; the scheduler is closed on that goroutine.
type remote struct {
	S     *scheduler.Scheduler
	ready chan struct{}
	done  chan struct{}
}

func startRemote(t *testing.T, setup func(s *scheduler.Scheduler), body func(s *scheduler.Scheduler)) *remote {
	t.Helper()
	r := &remote{ready: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		s, err := scheduler.New()
		if !assert.NoError(t, err) {
			close(r.ready)
			return
		}
		defer func() { assert.NoError(t, s.Close()) }()
		r.S = s
		if setup != nil {
			setup(s)
		}
		close(r.ready)
		if body != nil {
			body(s)
		}
	}()
	<-r.ready
	return r
}

func (r *remote) wait() { <-r.done }

// From A, inside atomic: insert t2, insert t3, run t1: B executes t1, t2,
// t3. B's tasklets paused themselves inside atomic, so B cannot resume any of
// them before A leaves atomic.
func TestRemoteInsertAndRunNext(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := newSched(t)
	defer closeSched(t, a)
	var log []string
	var ts []*tasklet.Tasklet
	done := channel.New[bool]()
	b := startRemote(t, func(s *scheduler.Scheduler) {
		for _, n := range []string{"t1", "t2", "t3"} {
			ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
				old := tk.SetAtomic(true)
				_, err := tk.ScheduleRemove()
				assert.NoError(t, err)
				tk.SetAtomic(old)
				log = append(log, n)
				if len(log) == 3 {
					assert.NoError(t, done.Send(tk, true))
				}
			}))
		}
		_, err := s.Run() // all three pause
		assert.NoError(t, err)
	}, func(s *scheduler.Scheduler) {
		_, err := done.Receive(s.Main())
		assert.NoError(t, err)
	})
	main := a.Main()
	before := a.RunCount()
	old := main.SetAtomic(true)
	require.NoError(t, ts[1].Insert())
	require.NoError(t, ts[2].Insert())
	require.NoError(t, main.Run(ts[0]))
	assert.Equal(t, before, a.RunCount(), "remote operations leave the caller's run queue alone")
	assert.True(t, main.IsCurrent(), "the caller never switches")
	main.SetAtomic(old)
	b.wait()
	assert.Equal(t, []string{"t1", "t2", "t3"}, log)
}

func TestAdoptRules(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := newSched(t)
	defer closeSched(t, a)
	b := newSched(t) // both driven by this goroutine
	defer closeSched(t, b)
	var log []string
	ch := channel.New[int]()
	paused := spawn(t, a, "paused", func(tk *tasklet.Tasklet) {
		_, _ = tk.ScheduleRemove()
		log = append(log, "paused runs on "+schedName(tk, a, b))
	})
	blocked := spawn(t, a, "blocked", func(tk *tasklet.Tasklet) {
		v, err := ch.Receive(tk)
		assert.NoError(t, err)
		log = append(log, "blocked got value on "+schedName(tk, a, b))
		assert.Equal(t, 7, v)
	})
	runnable := spawn(t, a, "runnable", func(*tasklet.Tasklet) {})
	fresh, err := a.NewTasklet("fresh", func(tk *tasklet.Tasklet) { log = append(log, "fresh runs on "+schedName(tk, a, b)) })
	require.NoError(t, err)
	require.NoError(t, a.Main().Schedule()) // paused pauses, blocked blocks, runnable ends
	run2 := spawn(t, a, "run2", func(*tasklet.Tasklet) {})
	assert.ErrorIs(t, b.Adopt(run2), tasklet.ErrRunnable)
	assert.ErrorIs(t, b.Adopt(runnable), tasklet.ErrDead)
	assert.ErrorIs(t, b.Adopt(a.Main()), tasklet.ErrMain)
	for _, tk := range []*tasklet.Tasklet{paused, blocked, fresh} {
		require.NoError(t, b.Adopt(tk))
		assert.Same(t, b, scheduler.Of(tk))
	}
	assert.Equal(t, 1, a.Len(), "only run2 is left on a")
	require.NoError(t, paused.Insert())
	require.NoError(t, fresh.Insert())
	_, err = a.Run()
	require.NoError(t, err)
	require.NoError(t, ch.Send(b.Main(), 7)) // receiver first: switches to blocked on b
	_, err = b.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"blocked got value on b", "paused runs on b", "fresh runs on b"}, log)
}

func schedName(tk *tasklet.Tasklet, a, b *scheduler.Scheduler) string {
	switch scheduler.Of(tk) {
	case a:
		return "a"
	case b:
		return "b"
	}
	return "?"
}

func TestCloseKillsBlockedAcrossSchedulers(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := newSched(t)
	defer closeSched(t, a)
	shared := channel.New[int]()
	var mu sync.Mutex
	var cleaned []string
	b := startRemote(t, func(s *scheduler.Scheduler) {
		for _, n := range []string{"x", "y"} {
			spawn(t, s, n, func(tk *tasklet.Tasklet) {
				defer func() { mu.Lock(); cleaned = append(cleaned, n); mu.Unlock() }()
				_, _ = shared.Receive(tk)
			})
		}
		_, err := s.Run()
		assert.NoError(t, err)
	}, nil) // b closes right after setup: its blocked tasklets are killed
	b.wait()
	assert.ElementsMatch(t, []string{"x", "y"}, cleaned)
	assert.Equal(t, 0, shared.Balance(), "killed receivers left the queue")
	_, err := shared.ReceiveTimeout(a.Main(), 0)
	assert.ErrorIs(t, err, tasklet.ErrTimeout)
}

func TestBlockingKeepsOthersRunning(t *testing.T) {
	s := start(t)
	release := make(chan int)
	done := channel.New[bool]()
	var log []string
	spawn(t, s, "io", func(tk *tasklet.Tasklet) {
		v, err := scheduler.Blocking(tk, func(ctx context.Context) (int, error) {
			select {
			case v := <-release:
				return v * 2, nil
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		})
		assert.NoError(t, err)
		log = append(log, fmt.Sprint("io got ", v))
		assert.NoError(t, done.Send(tk, true))
	})
	spawn(t, s, "worker", func(tk *tasklet.Tasklet) {
		log = append(log, "worker runs while io waits")
		go func() { release <- 21 }()
	})
	_, err := done.Receive(s.Main()) // a Blocking call in flight: no deadlock
	require.NoError(t, err)
	assert.Equal(t, []string{"worker runs while io waits", "io got 42"}, log)
}

func TestKillDuringBlockingCancelsTheCall(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	started := make(chan struct{})
	var cause error
	var cleaned bool
	io := spawn(t, s, "io", func(tk *tasklet.Tasklet) {
		defer func() { cleaned = true }()
		_, _ = scheduler.Blocking(tk, func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			cause = ctx.Err()
			return 0, ctx.Err()
		})
	})
	require.NoError(t, s.Main().Schedule())
	<-started
	require.NoError(t, s.Main().KillNow(io))
	assert.True(t, cleaned)
	assert.Equal(t, tasklet.Dead, io.State())
	require.NoError(t, s.Close()) // waits for the worker goroutine
	assert.ErrorIs(t, cause, context.Canceled)
}

func TestPendingKillFromAnotherGoroutineAtTick(t *testing.T) {
	s := start(t)
	started := make(chan struct{})
	var ticks int
	var cleaned bool
	spin := spawn(t, s, "spin", func(tk *tasklet.Tasklet) {
		defer func() { cleaned = true }()
		close(started)
		for {
			ticks++
			tk.Tick()
		}
	})
	go func() {
		<-started
		time.Sleep(time.Millisecond)
		assert.NoError(t, spin.Kill())
	}()
	_, err := s.Run()
	require.NoError(t, err)
	assert.True(t, cleaned)
	assert.Positive(t, ticks)
	assert.Equal(t, tasklet.Dead, spin.State())
}

func TestContextBridge(t *testing.T) {
	s := start(t)
	v := spawn(t, s, "v", func(tk *tasklet.Tasklet) { _, _ = tk.ScheduleRemove() })
	ctx := scheduler.Context(v)
	require.NoError(t, s.Main().Schedule())
	assert.NoError(t, ctx.Err())
	require.NoError(t, v.Kill())
	assert.ErrorIs(t, context.Cause(ctx), scheduler.ErrKilled)
	_, err := s.Run()
	require.NoError(t, err)

	ended := spawn(t, s, "ended", func(*tasklet.Tasklet) {})
	ectx := scheduler.Context(ended)
	_, err = s.Run()
	require.NoError(t, err)
	assert.ErrorIs(t, context.Cause(ectx), scheduler.ErrEnded)

	// A context's cancellation turned into a Throw.
	errStop := errors.New("stop")
	cctx, cancel := context.WithCancelCause(context.Background())
	var got error
	w := spawn(t, s, "w", func(tk *tasklet.Tasklet) { _, got = tk.ScheduleRemove() })
	require.NoError(t, s.Main().Schedule())
	stop := scheduler.ThrowOnDone(cctx, w)
	defer stop()
	cancel(errStop)
	require.Eventually(t, func() bool { return w.Scheduled() }, time.Second, time.Millisecond)
	_, err = s.Run()
	require.NoError(t, err)
	assert.ErrorIs(t, got, errStop)
}

// Atomic sections on different schedulers never interleave: a plain counter
// checked inside them would trip the race detector or the assertion.
func TestAtomicExcludesAcrossSchedulers(t *testing.T) {
	defer goleak.VerifyNone(t)
	const perScheduler, rounds = 8, 300
	inside, total := 0, 0
	body := func(tk *tasklet.Tasklet) {
		for range rounds {
			tk.Atomically(func() {
				inside++
				assert.Equal(t, 1, inside)
				for range 10 {
					tk.Tick()
				}
				total++
				inside--
			})
			_ = tk.Schedule()
		}
	}
	start := make(chan struct{})
	var remotes []*remote
	for range 3 {
		remotes = append(remotes, startRemote(t, func(s *scheduler.Scheduler) {
			for range perScheduler {
				spawn(t, s, "w", body)
			}
		}, func(s *scheduler.Scheduler) {
			<-start
			_, err := s.Run()
			assert.NoError(t, err)
		}))
	}
	close(start)
	for _, r := range remotes {
		r.wait()
	}
	assert.Equal(t, 3*perScheduler*rounds, total)
}

// A held Waker keeps a scheduler waiting across the gaps between short-lived
// alien schedulers; released, the scheduler reports the deadlock.
func TestWakerBridgesAlienUpcalls(t *testing.T) {
	s := start(t)
	ch := channel.New[int]()
	w, err := s.Waker()
	require.NoError(t, err)
	go func() {
		for i := 1; i <= 3; i++ {
			time.Sleep(time.Millisecond) // a gap with no other scheduler alive
			alien, err := scheduler.New()
			if !assert.NoError(t, err) {
				return
			}
			assert.NoError(t, ch.Send(alien.Main(), i))
			assert.NoError(t, alien.Close())
		}
	}()
	var got []int
	for range 3 {
		v, err := ch.Receive(s.Main())
		require.NoError(t, err)
		got = append(got, v)
	}
	assert.Equal(t, []int{1, 2, 3}, got)
	w.Release()
	w.Release() // idempotent
	_, err = ch.Receive(s.Main())
	assert.ErrorIs(t, err, tasklet.ErrDeadlock, "nothing can wake it any more")
}

// A wake-up that races a sleeper's timer is never lost nor left behind: B's
// main receives with timeouts from 0 to 40µs while A's main sends 0..n-1;
// every timeout is retried, and B gets each value once, in order. The
// sleeper is woken while it spins, while it is parked, and just as its
// timer fires.
func TestWakeRacesTimer(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 2000
	ch := channel.New[int]()
	var got []int
	timeouts := 0
	b := startRemote(t, nil, func(s *scheduler.Scheduler) {
		for i := 0; len(got) < n; i++ {
			d := time.Duration(i%5) * 10 * time.Microsecond
			v, err := ch.ReceiveTimeout(s.Main(), d)
			if errors.Is(err, tasklet.ErrTimeout) {
				if d > 0 {
					timeouts++
				}
				continue
			}
			if !assert.NoError(t, err) {
				return
			}
			got = append(got, v)
		}
	})
	a := newSched(t)
	for i := 0; i < n; i++ {
		if i%8 == 0 {
			time.Sleep(20 * time.Microsecond) // let B's timers run out
		}
		require.NoError(t, ch.Send(a.Main(), i))
	}
	b.wait()
	closeSched(t, a)
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	assert.Equal(t, want, got)
	assert.Positive(t, timeouts, "timers ran out while B slept")
}
