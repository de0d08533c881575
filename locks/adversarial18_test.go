package locks_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// waker18 is one primitive under the caller rule: arm makes w wait on it
// (w records "W" once woken, whatever the outcome), wake wakes w with
// caller c.
type waker18 struct {
	name string
	new  func(t *testing.T, main *tasklet.Tasklet) (wait func(w *tasklet.Tasklet), wake func(a, c *tasklet.Tasklet))
}

var wakers18 = []waker18{
	{"Event.Set", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		var ev locks.Event
		return func(w *tasklet.Tasklet) { _, _ = ev.Wait(w) }, func(_, c *tasklet.Tasklet) { ev.Set(c) }
	}},
	{"ValueEvent.Set", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		var ev locks.ValueEvent[int]
		return func(w *tasklet.Tasklet) { _, _ = ev.Wait(w) }, func(_, c *tasklet.Tasklet) { assert.NoError(t, ev.Set(c, 1)) }
	}},
	{"ValueEvent.Abort", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		var ev locks.ValueEvent[int]
		return func(w *tasklet.Tasklet) { _, _ = ev.Wait(w) }, func(_, c *tasklet.Tasklet) { assert.NoError(t, ev.Abort(c, errors.New("x"))) }
	}},
	{"Barrier.Abort", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		b, err := locks.NewBarrier(2, nil, -1)
		require.NoError(t, err)
		return func(w *tasklet.Tasklet) { _, _ = b.Wait(w) }, func(_, c *tasklet.Tasklet) { b.Abort(c) }
	}},
	{"Barrier.Reset", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		b, err := locks.NewBarrier(2, nil, -1)
		require.NoError(t, err)
		return func(w *tasklet.Tasklet) { _, _ = b.Wait(w) }, func(_, c *tasklet.Tasklet) { b.Reset(c) }
	}},
	{"Lock.Release", func(t *testing.T, main *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		var l locks.Lock
		require.NoError(t, l.Acquire(main))
		return func(w *tasklet.Tasklet) {
				if assert.NoError(t, l.Acquire(w)) {
					assert.NoError(t, l.Release(w))
				}
			}, func(_, c *tasklet.Tasklet) {
				assert.NoError(t, l.Release(c))
			}
	}},
	{"Semaphore.Release", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		sem, err := locks.NewSemaphore(0)
		require.NoError(t, err)
		return func(w *tasklet.Tasklet) { assert.NoError(t, sem.Acquire(w)) }, func(_, c *tasklet.Tasklet) { assert.NoError(t, sem.Release(c)) }
	}},
	{"Semaphore.ReleaseN", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		sem, err := locks.NewSemaphore(0)
		require.NoError(t, err)
		return func(w *tasklet.Tasklet) { assert.NoError(t, sem.Acquire(w)) }, func(_, c *tasklet.Tasklet) { assert.NoError(t, sem.ReleaseN(c, 1)) }
	}},
	{"BoundedSemaphore.Release", func(t *testing.T, main *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		sem, err := locks.NewBoundedSemaphore(1)
		require.NoError(t, err)
		require.NoError(t, sem.Acquire(main))
		return func(w *tasklet.Tasklet) { assert.NoError(t, sem.Acquire(w)) }, func(_, c *tasklet.Tasklet) { assert.NoError(t, sem.Release(c)) }
	}},
	{"Condition.NotifyAll", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		cond := locks.NewCondition(&locks.Lock{})
		return func(w *tasklet.Tasklet) {
				if assert.NoError(t, cond.Acquire(w)) {
					assert.NoError(t, cond.Wait(w))
					assert.NoError(t, cond.Release(w))
				}
			}, func(a, c *tasklet.Tasklet) {
				require.NoError(t, cond.Acquire(a))
				assert.NoError(t, cond.NotifyAll(c))
				assert.NoError(t, cond.Release(a))
			}
	}},
	{"Condition.Notify", func(t *testing.T, _ *tasklet.Tasklet) (func(*tasklet.Tasklet), func(a, c *tasklet.Tasklet)) {
		cond := locks.NewCondition(&locks.Lock{})
		return func(w *tasklet.Tasklet) {
				if assert.NoError(t, cond.Acquire(w)) {
					assert.NoError(t, cond.Wait(w))
					assert.NoError(t, cond.Release(w))
				}
			}, func(a, c *tasklet.Tasklet) {
				require.NoError(t, cond.Acquire(a))
				assert.NoError(t, cond.Notify(c, 1))
				assert.NoError(t, cond.Release(a))
			}
	}},
}

// Adversarial 18, the caller rule: whichever primitive wakes it, a waiter
// woken by a caller of its own scheduler goes to the end of the run queue
// (after B, already runnable), and one woken by a caller of another
// scheduler or from outside (nil) runs next. A caller that is not running
// counts by its scheduler all the same (a dead or paused tasklet of W's
// scheduler, a new tasklet of another one), and a zero Tasklet as nil:
// never an error, a hang or a panic.
func TestAdversarial18CallerRuleWakeOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	atEnd := []string{"A woke", "B", "W", "A again"}
	next := []string{"A woke", "W", "B", "A again"}
	for _, wk := range wakers18 {
		for _, cl := range schedtest.Callers {
			want := next
			if cl.Local {
				want = atEnd
			}
			t.Run(wk.name+"/"+cl.Name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				other := newSched(t)
				defer closeSched(t, other)
				foreign := spawn(t, other, "foreign", func(*tasklet.Tasklet) {})
				dead := spawn(t, s, "dead", func(*tasklet.Tasklet) {})
				run(t, s)
				wait, wake := wk.new(t, s.Main())
				var log []string
				spawn(t, s, "W", func(w *tasklet.Tasklet) { wait(w); log = append(log, "W") })
				spawn(t, s, "A", func(a *tasklet.Tasklet) {
					wake(a, cl.Pick(a, dead, s.Main(), foreign))
					log = append(log, "A woke")
					assert.NoError(t, a.Schedule())
					log = append(log, "A again")
				})
				spawn(t, s, "B", func(*tasklet.Tasklet) { log = append(log, "B") })
				run(t, s)
				assert.Equal(t, want, log)
			})
		}
	}
}

// The caller rule across threads: a waiter woken by the running tasklet of
// another scheduler (another locked thread) runs next on its own
// scheduler, before B which was already runnable there, whichever
// primitive woke it; woken from that thread with a dead tasklet of its own
// scheduler as the caller, it goes to the end of its run queue (after B),
// and its sleeping-or-busy scheduler still runs it: no hang.
func TestAdversarial18CallerRuleAcrossThreads(t *testing.T) {
	defer goleak.VerifyNone(t)
	callers := []struct {
		name string
		dead bool // the caller passed is a dead tasklet of the waiter's thread
		want []string
	}{
		{"the running tasklet of the other thread", false, []string{"A saw the wake-up", "W", "B", "A again"}},
		{"a dead tasklet of the waiter's thread", true, []string{"A saw the wake-up", "B", "W", "A again"}},
	}
	for _, wk := range wakers18 {
		for _, cl := range callers {
			t.Run(wk.name+"/"+cl.name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				var wait func(*tasklet.Tasklet)
				var wake func(a, c *tasklet.Tasklet)
				armed := make(chan struct{}) // W waits
				woken := make(chan struct{}) // X has woken it
				var log []string             // thread 0's
				var dead *tasklet.Tasklet    // of thread 0
				g, err := scheduler.StartThreads(2, func(i int, s *scheduler.Scheduler) error {
					if i == 1 {
						_, err := s.Spawn(func(x *tasklet.Tasklet) {
							<-armed // thread 1 has nothing else to run
							if cl.dead {
								wake(x, dead)
							} else {
								wake(x, x)
							}
							close(woken)
						})
						return err
					}
					wait, wake = wk.new(t, s.Main())
					d, err := s.Spawn(func(*tasklet.Tasklet) {})
					if err != nil {
						return err
					}
					if err := s.Main().Run(d); err != nil { // d ends
						return err
					}
					dead = d
					if _, err := s.Spawn(func(w *tasklet.Tasklet) { wait(w); log = append(log, "W") }); err != nil {
						return err
					}
					if _, err := s.Spawn(func(a *tasklet.Tasklet) {
						close(armed)
						<-woken // A keeps running meanwhile: no switch on thread 0
						log = append(log, "A saw the wake-up")
						assert.NoError(t, a.Schedule())
						log = append(log, "A again")
					}); err != nil {
						return err
					}
					_, err = s.Spawn(func(*tasklet.Tasklet) { log = append(log, "B") })
					return err
				})
				require.NoError(t, err)
				require.NoError(t, g.Wait())
				assert.Equal(t, tasklet.Dead, dead.State())
				assert.Equal(t, cl.want, log)
			})
		}
	}
}

// Calls that wake as a side effect follow the caller rule too: the last
// arriver at a Barrier, a Condition.Wait releasing its lock, and an RLock's
// owner releasing it send a waiter of their own scheduler to the end of
// the run queue, after B which was runnable already.
func TestAdversarial18ImplicitWakersGoToTheEnd(t *testing.T) {
	defer goleak.VerifyNone(t)
	// Each case's act runs in A: it takes what W will wait for, if
	// anything, starts W (start returns once W waits), starts B, then wakes
	// W as a side effect.
	cases := []struct {
		name string
		act  func(t *testing.T, a *tasklet.Tasklet, start func(wait func(*tasklet.Tasklet), waiting func() int), startB func(then func(*tasklet.Tasklet)))
		want []string
	}{
		{"Barrier.Wait, the last arriver", func(t *testing.T, a *tasklet.Tasklet, start func(func(*tasklet.Tasklet), func() int), startB func(func(*tasklet.Tasklet))) {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			start(func(w *tasklet.Tasklet) { _, err := b.Wait(w); assert.NoError(t, err) }, b.Waiting)
			startB(nil)
			i, err := b.Wait(a)
			assert.NoError(t, err)
			assert.Equal(t, 1, i)
		}, []string{"A acted", "B", "W", "A again"}},
		{"Condition.Wait, releasing its lock", func(t *testing.T, a *tasklet.Tasklet, start func(func(*tasklet.Tasklet), func() int), startB func(func(*tasklet.Tasklet))) {
			var l locks.Lock
			cond := locks.NewCondition(&l)
			require.NoError(t, cond.Acquire(a))
			start(func(w *tasklet.Tasklet) {
				if assert.NoError(t, l.Acquire(w)) {
					assert.NoError(t, l.Release(w))
				}
			}, l.Waiting)
			startB(func(b *tasklet.Tasklet) { // W runs after B: B finds the lock free
				require.NoError(t, cond.Acquire(b))
				assert.NoError(t, cond.Notify(b, 1))
				assert.NoError(t, cond.Release(b))
			})
			assert.NoError(t, cond.Wait(a)) // releases the lock: W is woken
			assert.NoError(t, cond.Release(a))
		}, []string{"B", "W", "A acted", "A again"}},
		{"RLock.Release by its owner", func(t *testing.T, a *tasklet.Tasklet, start func(func(*tasklet.Tasklet), func() int), startB func(func(*tasklet.Tasklet))) {
			var l locks.RLock
			require.NoError(t, l.Acquire(a))
			start(func(w *tasklet.Tasklet) {
				if assert.NoError(t, l.Acquire(w)) {
					assert.NoError(t, l.Release(w))
				}
			}, l.Waiting)
			startB(nil)
			assert.NoError(t, l.Release(a))
		}, []string{"A acted", "B", "W", "A again"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var log []string
			spawn(t, s, "A", func(a *tasklet.Tasklet) {
				start := func(wait func(*tasklet.Tasklet), waiting func() int) {
					spawn(t, s, "W", func(w *tasklet.Tasklet) { wait(w); log = append(log, "W") })
					for waiting() == 0 {
						require.NoError(t, a.Schedule())
					}
				}
				startB := func(then func(*tasklet.Tasklet)) {
					spawn(t, s, "B", func(b *tasklet.Tasklet) {
						log = append(log, "B")
						if then != nil {
							then(b)
						}
					})
				}
				tc.act(t, a, start, startB)
				log = append(log, "A acted")
				assert.NoError(t, a.Schedule())
				log = append(log, "A again")
			})
			run(t, s)
			assert.Equal(t, tc.want, log)
		})
	}
}
