package locks_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial tests of issue 16 (the locks' context forms).

// runOn runs body in n tasklets on each of two schedulers, each driven by
// its own goroutine, and returns when both Runs have ended with their
// errors (a lost wakeup leaves a waiter of context.Background() blocked:
// its scheduler reports a deadlock once the others have ended).
func adv16RunOnTwo(t *testing.T, n int, body func(tk *tasklet.Tasklet, id int)) []error {
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for sid := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := scheduler.New()
			if !assert.NoError(t, err) {
				return
			}
			defer s.Close()
			var ended atomic.Int64
			for k := range n {
				id := sid*n + k
				_, err := s.Spawn(func(tk *tasklet.Tasklet) {
					defer ended.Add(1)
					body(tk, id)
				})
				require.NoError(t, err)
			}
			// Run returns when this scheduler's tasklets all wait on
			// the other's: run again until they have ended (a lost wakeup
			// hangs here, and the test times out).
			for errs[sid] == nil && ended.Load() < int64(n) {
				_, errs[sid] = s.Run(scheduler.ThreadBlock())
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	return errs
}

// adv16Ctx returns, for every other call, a context cancelled at once by a
// plain goroutine (racing whatever the waiter races), else
// context.Background().
func adv16Ctx(k int) (context.Context, context.CancelFunc) {
	if k%2 == 0 {
		return context.Background(), func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	return ctx, cancel
}

// AcquireContext cancelled from plain goroutines racing Release from
// another scheduler: mutual exclusion holds, a cancelled acquire holds
// nothing, and no wakeup is lost (every acquire of context.Background()
// ends holding the lock: no deadlock).
func TestAdv16AcquireContextRacesRelease(t *testing.T) {
	const iters = 400
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			l := kind.new(t)
			ctxl, ok := l.(interface {
				AcquireContext(context.Context, *tasklet.Tasklet) error
			})
			require.True(t, ok)
			var holders, acquired, cancelled atomic.Int64
			errs := adv16RunOnTwo(t, 3, func(tk *tasklet.Tasklet, id int) {
				for k := range iters {
					ctx, cancel := adv16Ctx(k + id)
					err := ctxl.AcquireContext(ctx, tk)
					cancel()
					if err != nil {
						assert.ErrorIs(t, err, context.Canceled)
						cancelled.Add(1)
						continue
					}
					assert.Equal(t, int64(1), holders.Add(1))
					acquired.Add(1)
					assert.NoError(t, tk.Schedule())
					holders.Add(-1)
					assert.NoError(t, l.Release(tk))
				}
			})
			assert.Equal(t, []error{nil, nil}, errs)
			assert.Equal(t, int64(6*iters), acquired.Load()+cancelled.Load())
			assert.GreaterOrEqual(t, acquired.Load(), int64(3*iters), "every Background acquire succeeds")
			assert.Equal(t, 0, l.Waiting())
		})
	}
}

// Condition.WaitContext cancelled from plain goroutines racing Notify(1)
// from another scheduler: a notification a cancelled waiter had received
// passes on to the next waiter, so every item produced is consumed
// exactly once and the consumers of context.Background() never wait with
// an item left (no deadlock).
func TestAdv16ConditionWaitContextRacesNotify(t *testing.T) {
	defer goleak.VerifyNone(t)
	const items = 1500
	cond := &locks.Condition{}
	var produced, consumed int // under cond's lock
	errs := adv16RunOnTwo(t, 3, func(tk *tasklet.Tasklet, id int) {
		require.NoError(t, cond.Acquire(tk))
		defer func() { assert.NoError(t, cond.Release(tk)) }()
		if id == 0 { // the producer
			for range items {
				produced++
				assert.NoError(t, cond.Notify(tk, 1))
				assert.NoError(t, cond.Release(tk))
				assert.NoError(t, tk.Schedule())
				require.NoError(t, cond.Acquire(tk))
			}
			assert.NoError(t, cond.NotifyAll(tk))
			return
		}
		for k := 0; ; k++ {
			for produced == consumed && produced < items {
				ctx, cancel := adv16Ctx(k + id)
				err := cond.WaitContext(ctx, tk)
				cancel()
				if err != nil {
					assert.ErrorIs(t, err, context.Canceled)
				}
				k++
			}
			if consumed == items {
				assert.NoError(t, cond.NotifyAll(tk)) // wake the others to end
				return
			}
			consumed++
			assert.LessOrEqual(t, consumed, produced)
		}
	})
	assert.Equal(t, []error{nil, nil}, errs)
	assert.Equal(t, items, consumed)
	assert.Equal(t, 0, cond.Waiting())
}

// Event.WaitContext cancelled from plain goroutines racing Set from
// another scheduler: every waiter of context.Background() is woken by the
// Set, a cancelled one returns false and context.Canceled.
func TestAdv16EventWaitContextRacesSet(t *testing.T) {
	defer goleak.VerifyNone(t)
	for round := range 200 {
		var ev locks.Event
		var woke, cancelled atomic.Int64
		errs := adv16RunOnTwo(t, 3, func(tk *tasklet.Tasklet, id int) {
			if id == 3 {
				assert.NoError(t, tk.Schedule())
				ev.Set(tk)
				return
			}
			ctx, cancel := adv16Ctx(id + round)
			ok, err := ev.WaitContext(ctx, tk)
			cancel()
			switch {
			case err == nil:
				assert.True(t, ok)
				woke.Add(1)
			case errors.Is(err, context.Canceled):
				assert.False(t, ok)
				cancelled.Add(1)
			default:
				t.Errorf("WaitContext: %v", err)
			}
		})
		require.Equal(t, []error{nil, nil}, errs)
		require.Equal(t, int64(5), woke.Load()+cancelled.Load())
		require.Equal(t, 0, ev.Waiting())
	}
}

// A nil context is bad input for every context form of the locks:
// tasklet.ErrNilContext, as for the channel's and the scheduler's forms (it
// was taken as "no context" here while the channel's forms refused it).
func TestAdv16LocksNilContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { assert.NoError(t, s.Close()) }()
	main := s.Main()
	var (
		l  locks.Lock
		rl locks.RLock
		se locks.Semaphore
		ev locks.Event
		ve locks.ValueEvent[int]
	)
	bs, err := locks.NewBoundedSemaphore(1)
	require.NoError(t, err)
	b, err := locks.NewBarrier(2, nil, -1)
	require.NoError(t, err)
	c := locks.NewCondition(nil)
	var nilCtx context.Context
	for name, call := range map[string]func() error{
		"Lock":             func() error { return l.AcquireContext(nilCtx, main) },
		"RLock":            func() error { return rl.AcquireContext(nilCtx, main) },
		"Semaphore":        func() error { return se.AcquireContext(nilCtx, main) },
		"BoundedSemaphore": func() error { return bs.AcquireContext(nilCtx, main) },
		"Condition":        func() error { return c.WaitContext(nilCtx, main) },
		"Event":            func() error { _, err := ev.WaitContext(nilCtx, main); return err },
		"Barrier":          func() error { _, err := b.WaitContext(nilCtx, main); return err },
		"ValueEvent":       func() error { _, err := ve.WaitContext(nilCtx, main); return err },
	} {
		assert.ErrorIs(t, call(), tasklet.ErrNilContext, name)
	}
	assert.False(t, l.Locked(), "nothing was taken")
	assert.False(t, b.Broken(), "the barrier is whole")
}
