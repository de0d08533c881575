//go:build race || stackless_debug

// The tests in this file need the debug mode (debug.go), which -race and
// the stackless_debug build tag turn on: CI's race pass runs them.

package torture

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial (issue 14 item 16): in the debug mode, every call that may
// switch or park, made for a running tasklet from a goroutine other than
// its own, fails with tasklet.ErrNotCurrent (or a typed error matching it),
// whatever package it belongs to, and changes nothing: the tasklet then
// runs on and its own calls work.
func TestAdversarial14WrongGoroutineEveryParkingCall(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	ch := channel.New[int]()
	held := &locks.Lock{}
	rl := &locks.RLock{}
	ev := &locks.Event{}
	ve := &locks.ValueEvent[int]{}
	sem, err := locks.NewSemaphore(0)
	require.NoError(t, err)
	bs, err := locks.NewBoundedSemaphore(1)
	require.NoError(t, err)
	cond := locks.NewCondition(&locks.Lock{})
	bar, err := locks.NewBarrier(3, nil, -1)
	require.NoError(t, err)
	var got []string
	other, err := s.Spawn(func(tk *tasklet.Tasklet) { _, _ = tk.ScheduleRemove() })
	require.NoError(t, err)
	_, err = s.Spawn(func(tk *tasklet.Tasklet) {
		require.True(t, held.TryAcquire(tk))
		require.NoError(t, rl.Acquire(tk))
		require.NoError(t, bs.Acquire(tk))
		calls := []struct {
			name string
			call func() error
		}{
			{"Receive", func() error { _, err := ch.Receive(tk); return err }},
			{"ReceiveTimeout", func() error { _, err := ch.ReceiveTimeout(tk, time.Hour); return err }},
			{"SendTimeout", func() error { return ch.SendTimeout(tk, 1, time.Hour) }},
			{"Lock.Acquire", func() error { return held.Acquire(tk) }},
			{"Lock.AcquireTimeout", func() error { return held.AcquireTimeout(tk, time.Hour) }},
			{"Event.Wait", func() error { _, err := ev.Wait(tk); return err }},
			{"ValueEvent.Wait", func() error { _, err := ve.Wait(tk); return err }},
			{"Semaphore.Acquire", func() error { return sem.Acquire(tk) }},
			{"BoundedSemaphore.Acquire", func() error { return bs.Acquire(tk) }},
			{"Barrier.Wait", func() error { _, err := bar.Wait(tk); return err }},
			{"Condition.Wait", func() error { return cond.Wait(tk) }},
			{"Blocking", func() error {
				_, err := scheduler.Blocking(tk, func(context.Context) (int, error) { return 1, nil })
				return err
			}},
			{"Switch", func() error { return tk.Switch(other) }},
			{"Run", func() error { return tk.Run(other) }},
			{"Sleep", func() error { return tk.Sleep(time.Hour) }},
		}
		for _, c := range calls {
			done := make(chan error)
			go func() { done <- c.call() }()
			select {
			case err := <-done:
				got = append(got, fmt.Sprintf("%s: %v", c.name, errorsIsNotCurrent(err)))
			case <-time.After(10 * time.Second): // a failsafe, not a timing assertion
				got = append(got, c.name+": hung")
			}
		}
		require.NoError(t, tk.Schedule(), "its own goroutine: fine")
	})
	require.NoError(t, err)
	_, _ = s.Run()
	want := []string{}
	for _, n := range []string{"Receive", "ReceiveTimeout", "SendTimeout", "Lock.Acquire", "Lock.AcquireTimeout",
		"Event.Wait", "ValueEvent.Wait", "Semaphore.Acquire", "BoundedSemaphore.Acquire", "Barrier.Wait",
		"Condition.Wait", "Blocking", "Switch", "Run", "Sleep"} {
		want = append(want, n+": ErrNotCurrent")
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 0, ev.Waiting()+sem.Waiting()+held.Waiting()+bar.Waiting(), "nothing was queued")
	require.NoError(t, s.Close())
}
