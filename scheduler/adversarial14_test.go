package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/atomic"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial (issue 14): Adopt of a tasklet sleeping on a timer keeps the
// time it had left, measured on its old scheduler's clock. The two
// schedulers' clocks need not agree (each has its own, see WithClock): a
// tasklet with an hour left on a clock ten years behind (or ahead of) its
// new scheduler's must still sleep one hour there, not wake at once or
// sleep ten years.
func TestAdversarial14AdoptKeepsTheTimeLeftAcrossClocks(t *testing.T) {
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	tenYears := 10 * 365 * 24 * time.Hour
	for _, tc := range []struct {
		name   string
		offset time.Duration // new scheduler's clock minus the old one's
	}{
		{"new clock ahead", tenYears},
		{"new clock behind", -tenYears},
		{"same time", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ca := scheduler.NewFakeClock(base)
			cb := scheduler.NewFakeClock(base.Add(tc.offset))
			a := newSched(t, scheduler.WithClock(ca))
			b := newSched(t, scheduler.WithClock(cb))
			defer closeSched(t, b)
			var log []string
			sl := spawn(t, a, "sleeper", func(tk *tasklet.Tasklet) {
				err := tk.Sleep(time.Hour)
				log = append(log, "woke after "+cb.Now().Sub(base.Add(tc.offset)).String())
				assert.NoError(t, err)
			})
			// Let it start sleeping, with the fake clock moved 20 minutes.
			require.NoError(t, a.Main().Schedule())
			require.Equal(t, tasklet.Blocked, sl.State())
			ca.Advance(20 * time.Minute)
			require.NoError(t, b.Adopt(sl))
			require.NoError(t, a.Close())
			_, err := b.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			assert.Equal(t, []string{"woke after 40m0s"}, log)
			assert.Equal(t, 40*time.Minute, cb.Now().Sub(base.Add(tc.offset)), "b's fake clock jumped by the time left")
		})
	}
}

// Adversarial (issue 14): the schedule callback kills the tasklet about to
// run, before its first instruction. The kill is the pending form, which a
// callback may use: the tasklet dies without running its body, the other
// tasklet runs to its end, and Run and Close report nothing.
func TestAdversarial14ScheduleCallbackKillsNext(t *testing.T) {
	defer goleak.VerifyNone(t)
	var victim *tasklet.Tasklet
	var log []string
	var killErr error
	s := newSched(t, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
		if next == victim && killErr == nil && victim != nil {
			killErr = victim.Kill()
			if killErr == nil {
				killErr = errors.New("done")
			}
		}
	}))
	victim = spawn(t, s, "victim", func(tk *tasklet.Tasklet) {
		defer func() { log = append(log, "victim cleanup") }()
		log = append(log, "victim body")
		_ = tk.Schedule()
		log = append(log, "victim after schedule")
	})
	spawn(t, s, "other", func(tk *tasklet.Tasklet) {
		log = append(log, "other body")
		_ = tk.Schedule()
		log = append(log, "other end")
	})
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, "done", fmt.Sprint(killErr), "the kill was accepted")
	assert.Equal(t, tasklet.Dead, victim.State())
	assert.Equal(t, []string{"other body", "other end"}, log, "a tasklet that never ran dies without running")
	require.NoError(t, s.Close())
}

// Adversarial (issue 14 item 12): an error handler that waits (allowed:
// it runs on the dying tasklet's coroutine) and recovers every kill. Close
// must either kill it or report it (ErrSurvivors naming it); it must never
// return nil while the tasklet is alive.
func TestAdversarial14ErrorHandlerRecoveringKills(t *testing.T) {
	defer goleak.VerifyNone(t)
	ch := channel.New[int]()
	var log []string
	s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
		for i := 0; i < 3; i++ {
			func() {
				defer func() {
					if r := recover(); r != nil {
						log = append(log, "handler recovered")
					}
				}()
				_, _ = ch.Receive(tk)
			}()
		}
		log = append(log, "handler returns")
		return nil
	}))
	dying := spawn(t, s, "dying", func(tk *tasklet.Tasklet) { panic("boom") })
	_, err := s.Run()
	require.NoError(t, err)
	require.Equal(t, tasklet.Blocked, dying.State())
	// Close kills it again after each recovered kill, until the handler
	// returns and the tasklet ends.
	require.NoError(t, s.Close())
	assert.Equal(t, tasklet.Dead, dying.State())
	assert.Equal(t, []string{"handler recovered", "handler recovered", "handler recovered", "handler returns"}, log)
}

// Adversarial (issue 14): Adopt from a plain goroutine racing the old
// owner's Close, for a tasklet blocked on a channel. Whichever wins, the
// tasklet dies exactly once (its cleanup runs once), on the scheduler that
// owns it at the end, and both Closes return nil.
func TestAdversarial14AdoptRacesClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	for round := range 200 {
		a, err := scheduler.New()
		require.NoError(t, err)
		ch := channel.New[int]()
		var cleanups atomic.Int32
		tk, err := a.Spawn(func(tk *tasklet.Tasklet) {
			defer cleanups.Inc()
			_, _ = ch.Receive(tk)
		})
		require.NoError(t, err)
		_, err = a.Run()
		require.NoError(t, err)
		bReady := make(chan *scheduler.Scheduler)
		adopted := make(chan error)
		closeB := make(chan struct{})
		bClosed := make(chan error)
		go func() {
			b, err := scheduler.New()
			if !assert.NoError(t, err) {
				close(bReady)
				return
			}
			bReady <- b
			<-closeB
			bClosed <- b.Close()
		}()
		b := <-bReady
		require.NotNil(t, b)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); adopted <- b.Adopt(tk) }()
		aErr := a.Close()
		adoptErr := <-adopted
		wg.Wait()
		close(closeB)
		bErr := <-bClosed
		require.NoError(t, aErr, "round %d", round)
		require.NoError(t, bErr, "round %d", round)
		require.Equal(t, tasklet.Dead, tk.State(), "round %d (adopt: %v)", round, adoptErr)
		require.Equal(t, int32(1), cleanups.Load(), "round %d (adopt: %v)", round, adoptErr)
	}
}

// Adversarial (issue 14 item 1): Adopt from the schedule callback (which
// runs on the scheduler's hook coroutine, mid-switch) of the tasklet
// leaving and of the one about to run. Neither can move: the one about to
// run is runnable (ErrRunnable) and the coroutine of the one leaving is
// still in use (ErrInUse). Nothing crashes, both stay on their scheduler
// and die at its Close.
func TestAdversarial14AdoptFromScheduleCallback(t *testing.T) {
	defer goleak.VerifyNone(t)
	b := newSched(t)
	var log []string
	s := newSched(t, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
		if prev != nil && !prev.IsMain() {
			log = append(log, fmt.Sprintf("prev %s %v: %v", prev.Name(), prev.State(), b.Adopt(prev)))
		}
		if next != nil && !next.IsMain() {
			log = append(log, fmt.Sprintf("next %s %v: %v", next.Name(), next.State(), b.Adopt(next)))
		}
	}))
	ch := channel.New[int]()
	cleanups := 0
	x := spawn(t, s, "x", func(tk *tasklet.Tasklet) { defer func() { cleanups++ }(); _, _ = ch.Receive(tk) })
	y := spawn(t, s, "y", func(tk *tasklet.Tasklet) { defer func() { cleanups++ }(); _, _ = tk.ScheduleRemove() })
	_, err := s.Run()
	require.NoError(t, err)
	inUse, runnable := scheduler.ErrInUse.Error(), tasklet.ErrRunnable.Error()
	assert.Equal(t, []string{
		"next x current: " + runnable, "prev x blocked: " + inUse,
		"next y current: " + runnable, "prev y paused: " + inUse,
	}, log)
	assert.Equal(t, 2, s.Len())
	require.NoError(t, s.Close())
	require.NoError(t, b.Close())
	assert.Equal(t, []tasklet.State{tasklet.Dead, tasklet.Dead}, []tasklet.State{x.State(), y.State()})
	assert.Equal(t, 2, cleanups)
}

// Adversarial (issue 14 items 10-11): Close racing plain goroutines that
// insert a new tasklet (never run), insert a paused one, and cancel the
// context that ThrowOnDone turns into a throw into a blocked one. After
// every round Close has returned nil, every tasklet is dead, each body
// that started ran its cleanup once, and the new tasklet ran at most once.
func TestAdversarial14CloseRacesInsertAndThrowOnDone(t *testing.T) {
	defer goleak.VerifyNone(t)
	for round := range 300 {
		s, err := scheduler.New()
		require.NoError(t, err)
		ch := channel.New[int]()
		var started, cleanups atomic.Int32
		body := func(wait func(*tasklet.Tasklet)) func(*tasklet.Tasklet) {
			return func(tk *tasklet.Tasklet) {
				started.Inc()
				defer cleanups.Inc()
				wait(tk)
				_ = tk.Schedule()
			}
		}
		fresh, err := s.NewTasklet("fresh", body(func(*tasklet.Tasklet) {}))
		require.NoError(t, err)
		paused, err := s.Spawn(body(func(tk *tasklet.Tasklet) { _, _ = tk.ScheduleRemove() }))
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		var stop func() bool
		thrown, err := s.Spawn(body(func(tk *tasklet.Tasklet) { _, _ = ch.Receive(tk) }))
		require.NoError(t, err)
		_, err = s.Run()
		require.NoError(t, err)
		stop = scheduler.ThrowOnDone(ctx, thrown)
		release := make(chan struct{})
		var wg sync.WaitGroup
		for _, f := range []func(){
			func() { _ = fresh.Insert() },
			func() { _ = paused.Insert() },
			cancel,
		} {
			wg.Add(1)
			go func() { defer wg.Done(); <-release; f() }()
		}
		close(release)
		closeErr := s.Close()
		wg.Wait()
		stop()
		require.NoError(t, closeErr, "round %d", round)
		for _, tk := range []*tasklet.Tasklet{fresh, paused, thrown} {
			require.Equal(t, tasklet.Dead, tk.State(), "round %d: %v", round, tk)
		}
		require.Equal(t, started.Load(), cleanups.Load(), "round %d", round)
		require.Contains(t, []int32{2, 3}, started.Load(), "round %d", round)
	}
}
