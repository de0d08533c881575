package scheduler_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Issue 18: a plain goroutine that will Set an Event later is invisible to
// deadlock detection; main waiting for it got a false ErrDeadlock. Started
// with s.Go it counts as a waker for its lifetime, and the error of the
// undeclared case says how to declare it.
func TestGoDeclaresWakerNoFalseDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name     string
		declared bool
		want     []string
	}{
		{name: "plain goroutine", want: []string{"main waits", "deadlock reported", "helper sets"}},
		{name: "started with s.Go", declared: true, want: []string{"main waits", "helper sets", "main woken"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var ev locks.Event
			var mu sync.Mutex
			var events []string
			record := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
			gate := make(chan struct{})
			done := make(chan struct{})
			helper := func() {
				defer close(done)
				<-gate
				for ev.Waiting() == 0 && tc.declared { // main is waiting
					runtime.Gosched()
				}
				record("helper sets")
				ev.Set(nil)
			}
			if tc.declared {
				require.NoError(t, s.Go(helper))
			} else {
				go helper()
			}
			record("main waits")
			if tc.declared {
				close(gate) // it sets once main waits
			}
			ok, err := ev.Wait(s.Main())
			if tc.declared {
				require.NoError(t, err)
				assert.True(t, ok)
				record("main woken")
			} else {
				require.ErrorIs(t, err, tasklet.ErrDeadlock)
				assert.Contains(t, err.Error(), "start it with the scheduler's Go method, or hold a Waker")
				record("deadlock reported")
				close(gate) // too late: main has failed already
			}
			<-done
			assert.Equal(t, tc.want, events)
		})
	}
}

// Bad input and a closed scheduler.
func TestGoBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	assert.ErrorIs(t, s.Go(nil), tasklet.ErrNilFunc)
	require.NoError(t, s.Close())
	ran := false
	assert.ErrorIs(t, s.Go(func() { ran = true }), tasklet.ErrSchedulerClosed)
	assert.False(t, ran)
}
