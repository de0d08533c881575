package locks_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/channel"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial (issue 14): main is the last party of a Barrier and its
// action calls Close. The other party waits committed to the round (its
// Cancel is refused while the action runs), so Close must not wait for a
// wake-up that only main itself, after Close, could give: every tasklet
// dies, its cleanup runs once, and Close returns without survivors.
//
// It used to wait about 2 s for the party to be readied, then abandon it as
// a survivor (*CloseError), its coroutine leaked. Now a kill takes a party
// out of a round whose action runs without breaking the round (as a party
// killed after its release leaves the round complete): the Cancel reason of
// a kill is the tasklet.KillSignal (tasklet.IsKill).
func TestAdversarial14BarrierActionOfMainCallsClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	var log []string
	var closeErr error
	closed := false
	b, err := locks.NewBarrier(2, func(tk *tasklet.Tasklet) error {
		log = append(log, "action")
		closeErr = s.Close()
		closed = true
		log = append(log, "closed")
		return nil
	}, -1)
	require.NoError(t, err)
	_, err = s.Spawn(func(tk *tasklet.Tasklet) {
		defer func() { log = append(log, "party cleanup") }()
		_, err := b.Wait(tk)
		log = append(log, "party woke: "+errString(err))
	})
	require.NoError(t, err)
	require.NoError(t, s.Main().Schedule())
	_, werr := b.Wait(s.Main())
	log = append(log, "main woke: "+errString(werr))
	require.True(t, closed)
	assert.NoError(t, closeErr)
	assert.Equal(t, []string{"action", "party cleanup", "closed", "main woke: <nil>"}, log)
	if !closed {
		_ = s.Close()
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// Adversarial (issue 14 items 11-13): Close racing the wake-ups that the
// issue's stress test does not cover, each from a plain goroutine:
// ValueEvent.Set, Semaphore.Release(nil), BoundedSemaphore.Release(nil),
// Condition.NotifyAll(nil), Channel.Close (which wakes its receivers),
// Insert of a paused tasklet, Throw and Kill. After every round Close has
// returned nil, every tasklet is dead and every cleanup ran exactly once.
func TestAdversarial14CloseRacesOtherWakeUps(t *testing.T) {
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
	for round := range 300 {
		if !closeRacesOtherWakeUpsRound(t, round) {
			return
		}
	}
}

func closeRacesOtherWakeUpsRound(t *testing.T, round int) bool {
	s, err := scheduler.New()
	require.NoError(t, err)
	var ve locks.ValueEvent[int]
	sem, err := locks.NewSemaphore(0)
	require.NoError(t, err)
	bs, err := locks.NewBoundedSemaphore(1)
	require.NoError(t, err)
	require.NoError(t, bs.Acquire(s.Main()))
	var lk locks.Lock
	cond := locks.NewCondition(&lk)
	ch := channel.New[int]()
	waits := []func(*tasklet.Tasklet){
		func(tk *tasklet.Tasklet) { _, _ = ve.Wait(tk) },
		func(tk *tasklet.Tasklet) { _ = sem.Acquire(tk) },
		func(tk *tasklet.Tasklet) { _ = bs.Acquire(tk) },
		func(tk *tasklet.Tasklet) {
			if cond.Acquire(tk) == nil {
				_ = cond.Wait(tk)
				_ = cond.Release(tk)
			}
		},
		func(tk *tasklet.Tasklet) { _, _ = ch.Receive(tk) },
		func(tk *tasklet.Tasklet) { _, _ = tk.ScheduleRemove() }, // Insert
		func(tk *tasklet.Tasklet) { _, _ = ch.Receive(tk) },      // Throw
		func(tk *tasklet.Tasklet) { _, _ = ch.Receive(tk) },      // Kill
	}
	cleanups := make([]atomic.Int32, len(waits))
	var tasklets []*tasklet.Tasklet
	for i := range waits {
		tk, err := s.Spawn(func(tk *tasklet.Tasklet) {
			defer cleanups[i].Inc()
			waits[i](tk)
			_ = tk.Schedule()
		})
		require.NoError(t, err)
		tasklets = append(tasklets, tk)
	}
	_, err = s.Run()
	require.NoError(t, err)
	release := make(chan struct{})
	var wakers sync.WaitGroup
	var wakeErrs [8]error
	for i, wake := range []func() error{
		func() error { return ve.Set(nil, 1) },
		func() error { return sem.Release(nil) },
		func() error { return bs.Release(nil) },
		func() error {
			if !lk.TryAcquire(nil) {
				return nil // the waiter has not released it yet: nothing to race
			}
			defer func() { _ = lk.Release(nil) }()
			return cond.NotifyAll(nil)
		},
		func() error { return ch.Close(nil) },
		func() error { return tasklets[5].Insert() },
		func() error { return tasklets[6].Throw(errors.New("thrown")) },
		func() error { return tasklets[7].Kill() },
	} {
		wakers.Add(1)
		go func() {
			defer wakers.Done()
			<-release
			wakeErrs[i] = wake()
		}()
	}
	close(release)
	closeErr := s.Close()
	wakers.Wait()
	ok := assert.NoError(t, closeErr, "round %d", round)
	for i, tk := range tasklets {
		ok = assert.Equal(t, tasklet.Dead, tk.State(), "round %d: tasklet %d", round, i) && ok
		ok = assert.Equal(t, int32(1), cleanups[i].Load(), "round %d: cleanups of tasklet %d", round, i) && ok
	}
	for i, err := range wakeErrs {
		// A wake-up either lands, or finds its tasklet dead or closed.
		ok = assert.True(t, err == nil || errors.Is(err, tasklet.ErrDead) || errors.Is(err, tasklet.ErrSchedulerClosed),
			"round %d: wake-up %d: %v", round, i, err) && ok
	}
	return assert.Equal(t, 0, s.Len(), fmt.Sprintf("round %d", round)) && ok
}

// Adversarial (issue 14): the Barrier action kills (KillNow, the immediate
// form) or throws into (ThrowNow) a party of its own round, which is
// committed to the round. Neither may hang, and the round completes. A
// kill takes the party out of the round at once (the immediate form: the
// action resumes after the party unwound, SPEC 2); a throw cannot cut a
// committed wait: it waits until the round releases the party, whose Wait
// then returns it (the round stays complete).
func TestAdversarial14BarrierActionHitsACommittedParty(t *testing.T) {
	for _, tc := range []struct {
		name string
		hit  func(by, party *tasklet.Tasklet) error
		want []string
	}{
		{"KillNow", func(by, p *tasklet.Tasklet) error { return by.KillNow(p) },
			[]string{"action", "party cleanup", "hit: <nil>", "main index 1"}},
		{"ThrowNow", func(by, p *tasklet.Tasklet) error { return by.ThrowNow(p, errors.New("thrown")) },
			[]string{"action", "hit: <nil>", "main index 1", "party woke: -1 thrown", "party cleanup"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var log []string
			var party *tasklet.Tasklet
			b, err := locks.NewBarrier(2, func(tk *tasklet.Tasklet) error {
				log = append(log, "action")
				log = append(log, "hit: "+errString(tc.hit(tk, party)))
				return nil
			}, -1)
			require.NoError(t, err)
			party = spawn(t, s, "party", func(tk *tasklet.Tasklet) {
				defer func() { log = append(log, "party cleanup") }()
				i, err := b.Wait(tk)
				log = append(log, fmt.Sprintf("party woke: %d %s", i, errString(err)))
			})
			require.NoError(t, s.Main().Schedule())
			i, err := b.Wait(s.Main())
			require.NoError(t, err)
			log = append(log, fmt.Sprintf("main index %d", i))
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, tc.want, log)
			assert.Equal(t, tasklet.Dead, party.State())
		})
	}
}

// Adversarial (issue 14 item 12): a tasklet that recovers every kill while
// it waits for a Lock is abandoned by Close (ErrSurvivors naming it), and
// can then no longer take the lock: a later Release unlocks it instead of
// handing it to the abandoned waiter, so the next TryAcquire succeeds. The
// survivor's goroutine stays parked, so the scenario runs in a child
// process (which the parent's goroutine-leak check does not see).
func TestAdversarial14AbandonedLockWaiterGetsNoLock(t *testing.T) {
	const name = "TestAdversarial14AbandonedLockWaiterGetsNoLock"
	if os.Getenv("STACKLESS_ADV14") != name {
		defer goleak.VerifyNone(t)
		cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "STACKLESS_ADV14="+name)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "--- PASS: "+name)
		return
	}
	s := newSched(t)
	var lk locks.Lock
	require.True(t, lk.TryAcquire(s.Main()))
	stubborn := spawn(t, s, "stubborn", func(tk *tasklet.Tasklet) {
		for {
			func() {
				defer func() { _ = recover() }()
				_ = lk.Acquire(tk)
			}()
		}
	})
	_, err := s.Run()
	require.NoError(t, err)
	closeErr := s.Close()
	require.ErrorIs(t, closeErr, scheduler.ErrSurvivors)
	var ce *scheduler.CloseError
	require.ErrorAs(t, closeErr, &ce)
	require.Len(t, ce.Survivors, 1)
	assert.Same(t, stubborn, ce.Survivors[0].Tasklet)
	assert.Equal(t, 0, lk.Waiting())
	require.NoError(t, lk.Release(nil))
	assert.True(t, lk.TryAcquire(nil), "the lock went to nobody")
	assert.Equal(t, tasklet.Blocked, stubborn.State())
}
