package locks_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: the locks' waiting calls given the Tasklet that stands for
// a goroutine blocked in SendOutside (channel.ErrOutsider: "it is not a
// tasklet of any scheduler, so it cannot be switched to, killed or thrown
// into"; "ErrOutsider is returned by the operations of a Tasklet that stands
// for a goroutine blocked in SendOutside"). They fail, with ErrOutsider or at
// least ErrNotCurrent (the locks' doc: the caller "must be running
// (tasklet.ErrNotCurrent otherwise)"), and change nothing.
func TestAdv2LocksOutsiderCaller(t *testing.T) {
	defer goleak.VerifyNone(t)
	var l locks.Lock
	var rl locks.RLock
	var e locks.Event
	sem, err := locks.NewSemaphore(0)
	require.NoError(t, err)
	b, err := locks.NewBarrier(2, nil, -1)
	require.NoError(t, err)
	ops := []struct {
		name string
		op   func(o *tasklet.Tasklet) error
	}{
		{"Lock.Acquire", func(o *tasklet.Tasklet) error { return l.Acquire(o) }},
		{"RLock.Acquire", func(o *tasklet.Tasklet) error { return rl.Acquire(o) }},
		{"Semaphore.AcquireTimeout", func(o *tasklet.Tasklet) error { return sem.AcquireTimeout(o, time.Hour) }},
		{"Semaphore.AcquireContext", func(o *tasklet.Tasklet) error { return sem.AcquireContext(context.Background(), o) }},
		{"Event.Wait", func(o *tasklet.Tasklet) error { _, err := e.Wait(o); return err }},
		{"Barrier.Wait", func(o *tasklet.Tasklet) error { _, err := b.Wait(o); return err }},
	}
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := schedtest.New(t)
			defer schedtest.Close(t, s)
			ch := channel.New[int]()
			done := make(chan error, 1)
			go func() { done <- ch.SendOutside(context.Background(), 42) }()
			for ch.Balance() != 1 {
				runtime.Gosched()
			}
			o := ch.Queue()[0]
			err := tc.op(o)
			require.Error(t, err)
			assert.True(t, errorsIsAny(err, channel.ErrOutsider, tasklet.ErrNotCurrent), "%v", err)
			assert.Equal(t, tasklet.Blocked, o.State())
			assert.False(t, rl.Locked())
			assert.False(t, l.Locked())
			assert.Equal(t, 0, b.Waiting())
			assert.Equal(t, 0, e.Waiting())
			assert.Equal(t, 0, sem.Waiting())
			v, err := ch.Receive(s.Main())
			require.NoError(t, err)
			assert.Equal(t, 42, v)
			require.NoError(t, <-done)
		})
	}
}

func errorsIsAny(err error, targets ...error) bool {
	for _, tg := range targets {
		if errorsIs(err, tg) {
			return true
		}
	}
	return false
}

var errorsIs = func(err, target error) bool { return errors.Is(err, target) }
