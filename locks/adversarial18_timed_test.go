// Adversarial 18: every timed wait of the locks at the edges of the
// timed-wait rule (d = 0, 1ns, huge, negative).

package locks_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// timed18 is one timed wait: arm prepares it on s (main may hold what it
// waits for), wait runs it in tasklet w and returns its results.
type timed18 struct {
	name string
	// wait returns the call's other result (nil if none) and its error.
	arm func(t *testing.T, main *tasklet.Tasklet) func(w *tasklet.Tasklet, d time.Duration) (any, error)
	// zero is the documented "none" result on a timeout.
	zero any
}

var timeds18 = []timed18{
	{"Lock.AcquireTimeout", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		var l locks.Lock
		require.NoError(t, l.Acquire(m))
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) { return nil, l.AcquireTimeout(w, d) }
	}, nil},
	{"RLock.AcquireTimeout", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		var l locks.RLock
		require.NoError(t, l.Acquire(m))
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) { return nil, l.AcquireTimeout(w, d) }
	}, nil},
	{"Semaphore.AcquireTimeout", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		sem, err := locks.NewSemaphore(0)
		require.NoError(t, err)
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) { return nil, sem.AcquireTimeout(w, d) }
	}, nil},
	{"BoundedSemaphore.AcquireTimeout", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		sem, err := locks.NewBoundedSemaphore(1)
		require.NoError(t, err)
		require.NoError(t, sem.Acquire(m))
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) { return nil, sem.AcquireTimeout(w, d) }
	}, nil},
	{"Condition.WaitTimeout", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		cond := locks.NewCondition(nil)
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) {
			require.NoError(t, cond.Acquire(w))
			defer func() { assert.NoError(t, cond.Release(w)) }()
			return nil, cond.WaitTimeout(w, d)
		}
	}, nil},
	{"Condition.WaitFor", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		cond := locks.NewCondition(nil)
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) {
			require.NoError(t, cond.Acquire(w))
			defer func() { assert.NoError(t, cond.Release(w)) }()
			return nil, cond.WaitFor(w, func() bool { return false }, d)
		}
	}, nil},
	{"Event.WaitTimeout", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		var ev locks.Event
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) { return ev.WaitTimeout(w, d) }
	}, false},
	{"ValueEvent.WaitTimeout", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		var ev locks.ValueEvent[string]
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) { return ev.WaitTimeout(w, d) }
	}, ""},
	{"Barrier.WaitTimeout", func(t *testing.T, m *tasklet.Tasklet) func(*tasklet.Tasklet, time.Duration) (any, error) {
		b, err := locks.NewBarrier(2, nil, -1)
		require.NoError(t, err)
		return func(w *tasklet.Tasklet, d time.Duration) (any, error) { return b.WaitTimeout(w, d) }
	}, -1},
}

// Adversarial 18, the timed-wait rule at its edges, on a fake clock: d < 0
// (math.MinInt64 included) waits for ever, d == 0 does not wait, d > 0
// (math.MaxInt64 included: the deadline saturates) waits until the clock
// reaches it, which it jumps to when nothing else can run (Run in
// thread-block mode sleeps until the timer fires); running out
// returns an error matching tasklet.ErrTimeout and the "none" result.
func TestAdversarial18TimedWaitEdges(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, op := range timeds18 {
		for _, tc := range schedtest.TimedEdges {
			t.Run(op.name+"/"+tc.Name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				clk := scheduler.NewFakeClock(epoch)
				s := newSched(t, scheduler.WithClock(clk))
				defer closeSched(t, s)
				wait := op.arm(t, s.Main())
				var log []string
				w := spawn(t, s, "w", func(w *tasklet.Tasklet) {
					v, err := wait(w, tc.D)
					log = append(log, fmt.Sprintf("%v %v", v, errors.Is(err, tasklet.ErrTimeout)))
				})
				_, err := s.Run(scheduler.ThreadBlock()) // until the timer fires or nothing can wake w
				require.NoError(t, err)
				if tc.Forever {
					assert.Empty(t, log)
					assert.True(t, w.Blocked())
					assert.Equal(t, epoch, clk.Now())
					require.NoError(t, w.Kill())
					run(t, s)
					return
				}
				assert.Equal(t, []string{fmt.Sprintf("%v true", op.zero)}, log)
				if tc.Elapsed >= 0 {
					assert.Equal(t, tc.Elapsed, clk.Now().Sub(epoch))
				}
			})
		}
	}
}
