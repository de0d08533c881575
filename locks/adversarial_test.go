package locks_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial tests (issue 13 follow-up): kills, throws and panics landing
// while lock waiters are woken but have not run. Each is named
// TestAdversarial... and asserts the exact order of events.

var errAdv = errors.New("adv")

// SPEC 9: ReleaseN(2) wakes two waiters; one is killed and one thrown into
// before they run. Both units pass on: the next two waiters acquire, and
// the semaphore ends at zero.
func TestAdversarialSemaphoreBothWokenWaitersLeave(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	sem, err := locks.NewSemaphore(0)
	require.NoError(t, err)
	main := s.Main()
	var ts []*tasklet.Tasklet
	for _, n := range []string{"A", "B", "C", "D"} {
		ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
			defer r.Add("%s deferred", n)
			r.Add("%s acquired %v", n, sem.Acquire(tk))
		}))
	}
	require.NoError(t, main.Schedule())
	require.NoError(t, sem.ReleaseN(main, 2))
	require.NoError(t, ts[0].Kill())
	require.NoError(t, main.ThrowNow(ts[1], errAdv))
	run(t, s)
	assert.Equal(t, []string{"B acquired adv", "B deferred", "A deferred",
		"C acquired <nil>", "C deferred", "D acquired <nil>", "D deferred"}, r.Log())
	assert.False(t, sem.TryAcquire(main), "both units were taken by C and D")
}

// SPEC 2 and 3: main waits on a lock; the holder releases it (main is woken,
// has not run) and then panics. The panic is delivered to main at once, as
// the result of its Acquire, so main does not hold the lock: the wakeup
// passes on to the next waiter, and the lock ends free.
func TestAdversarialWokenMainGetsPanicNotLock(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			l := k.new(t)
			main := s.Main()
			spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				assert.NoError(t, l.Acquire(tk))
				_ = tk.Schedule()
				r.Add("A releases %v", l.Release(tk))
				panic(errAdv)
			})
			spawn(t, s, "B", func(tk *tasklet.Tasklet) {
				_ = tk.Schedule() // main waits first
				err := l.Acquire(tk)
				r.Add("B acquired %v", err)
				r.Add("B releases %v", l.Release(tk))
			})
			require.NoError(t, main.Schedule())
			err := l.Acquire(main)
			var pe *tasklet.PanicError
			require.ErrorAs(t, err, &pe)
			assert.ErrorIs(t, err, errAdv)
			run(t, s)
			assert.Equal(t, []string{"A releases <nil>", "B acquired <nil>", "B releases <nil>"}, r.Log())
			assert.True(t, l.TryAcquire(main))
			require.NoError(t, l.Release(main))
		})
	}
}

// SPEC 9: a Condition waiter over an RLock held twice is notified and then
// killed or thrown into before it runs: it unwinds (or WaitFor returns the
// error) holding the RLock at its depth again, both deferred releases
// succeed, the notification passes to the next waiter, and the lock ends free.
func TestAdversarialNotifiedRLockWaiterAtDepthTwoLeaves(t *testing.T) {
	tests := []struct {
		name  string
		raise func(t *testing.T, main, a *tasklet.Tasklet) error
		want  []string
	}{
		{"Kill", func(_ *testing.T, _, a *tasklet.Tasklet) error { return a.Kill() },
			[]string{"A rel2 <nil>", "A rel1 <nil>", "B wait true <nil>", "B rel <nil>"}},
		{"Kill from another scheduler", func(t *testing.T, _, a *tasklet.Tasklet) error {
			return raiseFromOtherScheduler(t, func(*tasklet.Tasklet) error { return a.Kill() })
		}, []string{"A rel2 <nil>", "A rel1 <nil>", "B wait true <nil>", "B rel <nil>"}},
		// KillNow and ThrowNow: A must re-acquire the lock main holds, so it
		// blocks and main resumes; B, woken by the passed notification,
		// runs first and barges in (no handoff, SPEC 9).
		{"KillNow", func(_ *testing.T, m, a *tasklet.Tasklet) error { return m.KillNow(a) },
			[]string{"B wait true <nil>", "B rel <nil>", "A rel2 <nil>", "A rel1 <nil>"}},
		{"Throw", func(_ *testing.T, _, a *tasklet.Tasklet) error { return a.Throw(errAdv) },
			[]string{"A wait false adv", "A rel2 <nil>", "A rel1 <nil>", "B wait true <nil>", "B rel <nil>"}},
		{"ThrowNow", func(_ *testing.T, m, a *tasklet.Tasklet) error { return m.ThrowNow(a, errAdv) },
			[]string{"B wait true <nil>", "B rel <nil>", "A wait false adv", "A rel2 <nil>", "A rel1 <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			rl := &locks.RLock{}
			c := locks.NewCondition(rl)
			main := s.Main()
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				assert.NoError(t, rl.Acquire(tk))
				defer func() { r.Add("A rel1 %v", rl.Release(tk)) }()
				assert.NoError(t, rl.Acquire(tk))
				defer func() { r.Add("A rel2 %v", rl.Release(tk)) }()
				err := c.WaitFor(tk, func() bool { return false }, -1)
				r.Add("A wait %v %v", err == nil, err)
			})
			spawn(t, s, "B", func(tk *tasklet.Tasklet) {
				assert.NoError(t, c.Acquire(tk))
				err := c.WaitTimeout(tk, -1)
				r.Add("B wait %v %v", err == nil, err)
				r.Add("B rel %v", c.Release(tk))
			})
			require.NoError(t, main.Schedule())
			require.NoError(t, c.Acquire(main))
			require.NoError(t, c.Notify(main, 1))
			require.NoError(t, tt.raise(t, main, a))
			require.NoError(t, c.Release(main))
			run(t, s)
			assert.Equal(t, tt.want, r.Log())
			assert.True(t, rl.TryAcquire(main))
			require.NoError(t, rl.Release(main))
		})
	}
}

// SPEC 9: a Barrier party released by the trip and killed before it runs
// does not break the round that already tripped (nor the next one).
func TestAdversarialBarrierTrippedPartyKilled(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	b, err := locks.NewBarrier(3, nil, -1)
	require.NoError(t, err)
	main := s.Main()
	var ts []*tasklet.Tasklet
	for _, n := range []string{"A", "B"} {
		ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
			defer r.Add("%s deferred", n)
			i, err := b.Wait(tk)
			r.Add("%s %d %v", n, i, err)
		}))
	}
	require.NoError(t, main.Schedule())
	i, err := b.Wait(main) // the last arriver trips the round
	r.Add("main %d %v", i, err)
	require.NoError(t, ts[0].Kill())
	run(t, s)
	assert.Equal(t, []string{"main 2 <nil>", "A deferred", "B 1 <nil>", "B deferred"}, r.Log())
	assert.False(t, b.Broken())
}

// ThrowOnDone around an Acquire whose context is cancelled as the lock is
// released: either Acquire got the lock and stop reports the throw was not
// delivered, or Acquire returned the cancellation and stop reports it was;
// no later call gets a stray throw and the lock ends free.
func TestAdversarialThrowOnDoneAroundAcquire(t *testing.T) {
	defer goleak.VerifyNone(t)
	var l locks.Lock
	for i := 0; i < 500; i++ {
		s := newSched(t)
		main := s.Main()
		require.NoError(t, l.Acquire(main))
		ctx, cancel := context.WithCancel(context.Background())
		var got, after error
		var delivered bool
		spawn(t, s, "A", func(tk *tasklet.Tasklet) {
			stop := scheduler.ThrowOnDone(ctx, tk)
			got = l.Acquire(tk)
			delivered = stop()
			if got == nil {
				assert.NoError(t, l.Release(tk))
			}
			after = tk.Schedule()
		})
		require.NoError(t, main.Schedule())
		done := make(chan struct{})
		go func() { cancel(); close(done) }()
		require.NoError(t, l.Release(main))
		run(t, s)
		<-done
		if got == nil {
			assert.False(t, delivered, "try %d", i)
		} else {
			assert.ErrorIs(t, got, context.Canceled, "try %d", i)
			assert.True(t, delivered, "try %d", i)
		}
		assert.NoError(t, after, "try %d: stray throw", i)
		require.True(t, l.TryAcquire(main), "try %d: lock left held", i)
		require.NoError(t, l.Release(main))
		closeSched(t, s)
	}
}

// A woken Lock waiter that is removed from the run queue before it runs
// keeps its wakeup while paused (as in Stackless); killed or thrown into
// there, it passes the wakeup on; inserted or run, it acquires. Either way
// the next waiter acquires and the lock ends free.
func TestAdversarialRemovedWokenWaiter(t *testing.T) {
	tests := []struct {
		name string
		do   func(main, a *tasklet.Tasklet) error
		want []string
	}{
		{"Kill", func(_, a *tasklet.Tasklet) error { return a.Kill() },
			[]string{"main: <nil>", "A deferred", "B acquired <nil>", "B deferred"}},
		{"KillNow", func(m, a *tasklet.Tasklet) error { return m.KillNow(a) },
			[]string{"A deferred", "main: <nil>", "B acquired <nil>", "B deferred"}},
		{"Throw", func(_, a *tasklet.Tasklet) error { return a.Throw(errAdv) },
			[]string{"main: <nil>", "A acquired adv", "A deferred", "B acquired <nil>", "B deferred"}},
		{"Insert", func(_, a *tasklet.Tasklet) error { return a.Insert() },
			[]string{"main: <nil>", "A acquired <nil>", "A deferred", "B acquired <nil>", "B deferred"}},
		{"Run", func(m, a *tasklet.Tasklet) error { return m.Run(a) },
			[]string{"A acquired <nil>", "A deferred", "main: <nil>", "B acquired <nil>", "B deferred"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			var l locks.Lock
			main := s.Main()
			require.NoError(t, l.Acquire(main))
			var ts []*tasklet.Tasklet
			for _, n := range []string{"A", "B"} {
				ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
					defer r.Add("%s deferred", n)
					err := l.Acquire(tk)
					r.Add("%s acquired %v", n, err)
					if err == nil {
						assert.NoError(t, l.Release(tk))
					}
				}))
			}
			require.NoError(t, main.Schedule())
			require.NoError(t, l.Release(main)) // A is woken
			require.NoError(t, ts[0].Remove())
			require.Equal(t, tasklet.Paused, ts[0].State())
			r.Add("main: %v", tt.do(main, ts[0]))
			run(t, s)
			assert.Equal(t, tt.want, r.Log())
			assert.True(t, l.TryAcquire(main))
			require.NoError(t, l.Release(main))
		})
	}
}

// SPEC 9 across schedulers: a producer on one scheduler adds items under a
// Condition's Lock and notifies one waiter per item; three consumers on
// another scheduler take them with WaitFor; two consumers are killed at
// random instants from a plain goroutine. A notification a killed consumer
// had received passes on, so the survivor consumes every item (none is left
// with a consumer waiting).
func TestAdversarialConditionNoNotificationLostUnderKills(t *testing.T) {
	for round := 0; round < 30; round++ {
		func() {
			defer goleak.VerifyNone(t)
			const K = 40
			var mu locks.Lock
			c := locks.NewCondition(&mu)
			count := 0 // guarded by mu
			var consumed atomic.Int64
			consumersCh := make(chan []*tasklet.Tasklet, 1)
			quit := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { // consumers
				defer wg.Done()
				s, _ := scheduler.New()
				var cs []*tasklet.Tasklet
				for i := 0; i < 3; i++ {
					tk, _ := s.Spawn(func(tk *tasklet.Tasklet) {
						for {
							if err := c.Acquire(tk); err != nil {
								return
							}
							err := func() error {
								defer func() { _ = c.Release(tk) }() // a killed Wait unwinds holding the lock
								err := c.WaitFor(tk, func() bool { return count > 0 }, -1)
								if err == nil {
									count--
									consumed.Add(1)
								}
								return err
							}()
							if err != nil {
								return
							}
						}
					})
					cs = append(cs, tk)
				}
				consumersCh <- cs
				w, _ := s.Waker()
				go func() { <-quit; w.Release() }()
				for {
					if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
						t.Error(err)
					}
					alive := false
					for _, tk := range cs {
						alive = alive || tk.Alive()
					}
					if !alive {
						break
					}
					select {
					case <-quit:
					default:
						continue
					}
					for _, tk := range cs {
						_ = tk.Kill()
					}
				}
				_ = s.Close()
			}()
			go func() { // producer
				defer wg.Done()
				s, _ := scheduler.New()
				_, _ = s.Spawn(func(tk *tasklet.Tasklet) {
					for i := 0; i < K; i++ {
						_ = c.Acquire(tk)
						count++
						_ = c.Notify(tk, 1)
						_ = c.Release(tk)
						_ = tk.Sleep(time.Duration(rand.IntN(100)) * time.Microsecond)
					}
				})
				_, _ = s.Run(scheduler.ThreadBlock())
				_ = s.Close()
			}()
			cs := <-consumersCh
			rng := rand.New(rand.NewPCG(uint64(round), 3))
			for _, i := range rng.Perm(3)[:2] {
				time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
				_ = cs[i].Kill()
			}
			deadline := time.Now().Add(5 * time.Second)
			for consumed.Load() < K && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			got := consumed.Load()
			close(quit)
			wg.Wait()
			require.Equal(t, int64(K), got, "round %d: items left unconsumed with a live consumer waiting", round)
		}()
	}
}
