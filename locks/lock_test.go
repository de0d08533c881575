package locks_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

func TestLockOwnerless(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var l locks.Lock // the zero value is unlocked
	assert.False(t, l.Locked())
	assert.Regexp(t, `^lock \d+$`, l.String())

	assert.ErrorIs(t, l.Release(main), locks.ErrNotLocked, "differs: releasing an unlocked Lock is an error")
	assert.False(t, l.Locked(), "and changes nothing")
	assert.False(t, l.TryAcquire(main) && l.TryAcquire(main), "only one holder")
	assert.True(t, l.Locked())

	// Any tasklet may release it, and plain goroutines too.
	var r recorder
	spawn(t, s, "other", func(tk *tasklet.Tasklet) { r.Add("other releases: %v", l.Release(tk)) })
	run(t, s)
	assert.False(t, l.Locked())
	require.NoError(t, l.Acquire(main))
	require.NoError(t, l.Release(nil))
	assert.Equal(t, []string{"other releases: <nil>"}, r.Log())
}

// A Lock is not reentrant: acquiring it twice waits for oneself, which with
// nothing else to run is a deadlock.
func TestLockNotReentrant(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var l locks.Lock
	require.NoError(t, l.Acquire(main))
	err := l.Acquire(main)
	var de *tasklet.DeadlockError
	require.ErrorAs(t, err, &de)
	assert.Same(t, main, de.Tasklet)
	assert.Equal(t, "acquiring "+l.String(), de.On)
	assert.True(t, l.Locked())
	require.NoError(t, l.Release(main))
}

func TestLockLocker(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var l locks.Lock
	var r recorder
	lk := l.Locker(main)
	lk.Lock()
	spawn(t, s, "waiter", func(tk *tasklet.Tasklet) {
		wl := l.Locker(tk)
		wl.Lock()
		r.Add("waiter locked")
		wl.Unlock()
	})
	run(t, s)
	r.Add("main unlocks")
	lk.Unlock()
	run(t, s)
	assert.Equal(t, []string{"main unlocks", "waiter locked"}, r.Log())

	p := recoverPanic(func() { lk.Unlock() })
	err, ok := p.(error)
	require.True(t, ok, "panics with an error: %v", p)
	assert.ErrorIs(t, err, locks.ErrNotLocked)

	idle := spawn(t, s, "idle", func(*tasklet.Tasklet) {})
	p = recoverPanic(func() { l.Locker(idle).Lock() })
	err, ok = p.(error)
	require.True(t, ok)
	assert.ErrorIs(t, err, tasklet.ErrNotCurrent)
	run(t, s)
}

func recoverPanic(fn func()) (p any) {
	defer func() { p = recover() }()
	fn()
	return nil
}

func TestRLockOwnership(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var l locks.RLock
	assert.Nil(t, l.Owner())
	assert.ErrorIs(t, l.Release(main), locks.ErrNotOwner, "releasing a free RLock")
	assert.ErrorIs(t, l.Release(nil), locks.ErrNotOwner)

	require.NoError(t, l.Acquire(main))
	require.NoError(t, l.Acquire(main), "the owner re-acquires at once")
	assert.True(t, l.TryAcquire(main))
	require.NoError(t, l.AcquireTimeout(main, 0), "even with a zero timeout")
	assert.Same(t, main, l.Owner())

	var r recorder
	spawn(t, s, "other", func(tk *tasklet.Tasklet) {
		r.Add("other releases: %v", l.Release(tk))
		assert.False(t, l.TryAcquire(tk))
		assert.NoError(t, l.Acquire(tk))
		r.Add("other acquired")
		assert.NoError(t, l.Release(tk))
	})
	run(t, s)
	assert.Equal(t, []string{"other releases: " + locks.ErrNotOwner.Error()}, r.Log())
	for i := 4; i > 1; i-- {
		require.NoError(t, l.Release(main))
		run(t, s)
		assert.Same(t, main, l.Owner(), "still owned with %d levels left", i-1)
	}
	require.NoError(t, l.Release(main))
	assert.Nil(t, l.Owner())
	assert.False(t, l.Locked(), "no handoff: free until the woken waiter runs")
	assert.Equal(t, 0, l.Waiting(), "the waiter was woken")
	run(t, s)
	assert.Equal(t, []string{"other releases: " + locks.ErrNotOwner.Error(), "other acquired"}, r.Log())
	assert.False(t, l.Locked())
	assert.ErrorIs(t, l.Release(main), locks.ErrNotOwner)
	assert.False(t, l.TryAcquire(nil))
}

func TestRLockLocker(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var l locks.RLock
	lk := l.Locker(main)
	lk.Lock()
	lk.Lock()
	lk.Unlock()
	assert.Same(t, main, l.Owner())
	lk.Unlock()
	assert.Nil(t, l.Owner())
	p := recoverPanic(func() { lk.Unlock() })
	err, ok := p.(error)
	require.True(t, ok)
	assert.True(t, errors.Is(err, locks.ErrNotOwner))
}

// A plain goroutine (no tasklet) may release a Lock; holding a Waker tells
// the waiter's scheduler that it may still be woken, instead of reporting a
// deadlock.
func TestLockReleasedFromPlainGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var l locks.Lock
	require.NoError(t, l.Acquire(main))
	wk, err := s.Waker()
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		defer wk.Release()
		for l.Waiting() == 0 {
			time.Sleep(100 * time.Microsecond)
		}
		done <- l.Release(nil)
	}()
	require.NoError(t, l.AcquireTimeout(main, time.Minute)) // parks until the goroutine releases
	require.NoError(t, <-done)
	assert.True(t, l.Locked(), "held by main again")
	require.NoError(t, l.Release(main))
}

// A plain goroutine may also release a Lock on behalf of a tasklet that is
// not running (here a new one of the waiter's own scheduler): the waiter's
// scheduler, asleep, is woken all the same.
func TestLockReleasedOnBehalfOfIdleTasklet(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	idle, err := s.NewTasklet("idle", func(*tasklet.Tasklet) {})
	require.NoError(t, err)
	var l locks.Lock
	require.NoError(t, l.Acquire(main))
	wk, err := s.Waker()
	require.NoError(t, err)
	done := make(chan error, 1)
	acquired := make(chan struct{})
	go func() {
		defer wk.Release() // that would wake main too: only once it has the lock
		for main.State() != tasklet.Blocked {
			time.Sleep(100 * time.Microsecond)
		}
		time.Sleep(time.Millisecond) // main's scheduler is asleep by now
		done <- l.Release(idle)
		select {
		case <-acquired:
		case <-time.After(10 * time.Second):
			t.Error("the Release did not wake the waiter's scheduler")
		}
	}()
	require.NoError(t, l.Acquire(main)) // parks, without a timer, until the goroutine releases
	close(acquired)
	require.NoError(t, <-done)
	assert.Equal(t, tasklet.New, idle.State(), "the idle tasklet was not run")
	require.NoError(t, l.Release(main))
	require.NoError(t, idle.Kill())
}
