package locks_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
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
