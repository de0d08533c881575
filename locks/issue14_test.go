package locks_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/atomic"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Issue 14 item 7: main of scheduler A waits at a Barrier; the last party,
// main of scheduler B, runs an action that waits for A (a receive nobody
// on A will ever send to). A's wait is committed to the round, so A cannot
// report the deadlock itself; it stands down and B reports it: the action
// fails with a *DeadlockError naming B's blocked main, which breaks the
// barrier and releases A. A keeps a timer running (a polling sleeper) until
// B's action has blocked, so that B goes to sleep first and A is the one
// that finds the deadlock.
func TestIssue14BarrierActionWaitingForTheOtherSchedulerIsADeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := newSched(t, scheduler.WithName("A"))
	defer closeSched(t, a)
	ch := channel.New[int]()
	var r recorder
	b, err := locks.NewBarrier(2, func(tk *tasklet.Tasklet) error {
		r.Add("action receives")
		_, err := ch.Receive(tk)
		return err
	}, -1)
	require.NoError(t, err)
	created, done := make(chan struct{}), make(chan error, 1)
	go func() {
		s, err := scheduler.New(scheduler.WithName("B"))
		close(created)
		if !assert.NoError(t, err) {
			done <- err
			return
		}
		defer func() { assert.NoError(t, s.Close()) }()
		waitFor(t, s.Main(), "A's main waits", func() bool { return b.Waiting() == 1 })
		_, err = b.Wait(s.Main())
		done <- err
	}()
	<-created
	spawn(t, a, "poller", func(tk *tasklet.Tasklet) {
		waitFor(t, tk, "the action receives", func() bool { return ch.Balance() == -1 })
		r.Add("poller ends")
	})
	_, err = b.Wait(a.Main())
	r.Add("A main: %v", err)
	bErr := <-done
	var derr *tasklet.DeadlockError
	require.True(t, errors.As(bErr, &derr), "B's Wait: %v", bErr)
	assert.ErrorIs(t, bErr, tasklet.ErrDeadlock)
	require.Len(t, derr.Blocked, 1)
	assert.Equal(t, "main", derr.Blocked[0].Tasklet.Name())
	assert.Equal(t, "receiving on "+ch.String()+" without a sender", derr.Blocked[0].On)
	assert.Equal(t, []string{"action receives", "poller ends", "A main: " + locks.ErrBrokenBarrier.Error()}, r.Log())
}

// Issue 14 items 11 and 12, the acceptance's stress test: Close racing
// every kind of wake-up from plain goroutines (Event.Set, Lock.Release(nil),
// Barrier.Abort) and from another scheduler (channel sends), 1,000 rounds on
// a machine loaded with CPU spinners. After every round Close has returned
// nil, every tasklet is dead, every cleanup ran exactly once, and every
// value whose send returned nil was received. STACKLESS_SOAK=5m runs rounds
// for five minutes.
func TestIssue14CloseRacesWakeUps(t *testing.T) {
	defer goleak.VerifyNone(t)
	var stop atomic.Bool
	var spinners sync.WaitGroup
	for range 2 {
		spinners.Add(1)
		go func() {
			defer spinners.Done()
			for !stop.Load() {
			}
		}()
	}
	defer func() { stop.Store(true); spinners.Wait() }()
	soak := schedtest.SoakDuration(t, 0)
	start := time.Now()
	for round := 0; round < 1000 || time.Since(start) < soak; round++ {
		if !closeRacesWakeUpsRound(t, round) {
			return
		}
	}
}

// closeRacesWakeUpsRound runs one round and reports whether it passed.
func closeRacesWakeUpsRound(t *testing.T, round int) bool {
	const perKind = 2
	s, err := scheduler.New()
	require.NoError(t, err)
	var ev locks.Event
	var lk locks.Lock
	require.True(t, lk.TryAcquire(s.Main()))
	bar, err := locks.NewBarrier(perKind+1, nil, -1)
	require.NoError(t, err)
	ch := channel.New[int]()
	var cleanups [4 * perKind]atomic.Int32
	var received, sentOK atomic.Int32
	waits := []func(*tasklet.Tasklet){
		func(tk *tasklet.Tasklet) { _, _ = ev.Wait(tk) },
		func(tk *tasklet.Tasklet) {
			if lk.Acquire(tk) == nil {
				_ = lk.Release(tk)
			}
		},
		func(tk *tasklet.Tasklet) { _, _ = bar.Wait(tk) },
		func(tk *tasklet.Tasklet) {
			if _, err := ch.Receive(tk); err == nil {
				received.Inc()
			}
		},
	}
	var tasklets []*tasklet.Tasklet
	for i := range cleanups {
		tk, err := s.Spawn(func(tk *tasklet.Tasklet) {
			defer cleanups[i].Inc()
			waits[i%len(waits)](tk)
			_ = tk.Schedule() // a switch point for a kill that arrived after the wake-up
		})
		require.NoError(t, err)
		tasklets = append(tasklets, tk)
	}
	_, err = s.Run() // every tasklet blocks
	require.NoError(t, err)
	// The sender's scheduler exists before the wake-ups start.
	created, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		b, err := scheduler.New()
		close(created)
		if !assert.NoError(t, err) {
			return
		}
		defer func() { assert.NoError(t, b.Close()) }()
		<-release
		_, err = b.Spawn(func(tk *tasklet.Tasklet) {
			for i := range perKind {
				if ch.SendTimeout(tk, i, 0) == nil {
					sentOK.Inc()
				}
			}
		})
		assert.NoError(t, err)
		_, err = b.Run()
		assert.NoError(t, err)
	}()
	<-created
	var wakers sync.WaitGroup
	for _, wake := range []func(){func() { ev.Set(nil) }, func() { _ = lk.Release(nil) }, func() { bar.Abort(nil) }} {
		wakers.Add(1)
		go func() {
			defer wakers.Done()
			<-release
			wake()
		}()
	}
	close(release)
	closeErr := s.Close()
	wakers.Wait()
	<-done
	ok := assert.NoError(t, closeErr, "round %d", round)
	for i, tk := range tasklets {
		ok = assert.Equal(t, tasklet.Dead, tk.State(), "round %d: tasklet %d", round, i) && ok
		ok = assert.Equal(t, int32(1), cleanups[i].Load(), "round %d: cleanups of tasklet %d", round, i) && ok
	}
	ok = assert.Equal(t, sentOK.Load(), received.Load(), "round %d: values sent and received", round) && ok
	return assert.Equal(t, 0, s.Len(), "round %d", round) && ok
}
