package locks_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/atomic"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// assertFree checks that l is free, without taking it.
func assertFree(t *testing.T, l acquirer) {
	t.Helper()
	switch l := l.(type) {
	case *locks.Lock:
		assert.False(t, l.Locked())
	case *locks.RLock:
		assert.Nil(t, l.Owner())
	case *locks.Semaphore:
		assert.Equal(t, 1, l.Value())
	case *locks.BoundedSemaphore:
		assert.Equal(t, 1, l.Value())
	}
}

// The suites below spread their parties over 2 and 4 schedulers, each
// driven by a goroutine of its own (see spread). Where the outcome is
// determined across threads (one unit and no newcomer, so the FIFO decides)
// the order is asserted exactly; elsewhere the invariants are.

var spreads = []int{2, 4}

// The holder releases once every waiter has queued, in an order forced by
// polling Waiting; each waiter passes the lock on. With no newcomer the
// waiters acquire in queue order, whatever scheduler they are on.
func TestCrossKindsFIFO(t *testing.T) {
	for _, k := range kinds {
		for _, n := range spreads {
			t.Run(fmt.Sprintf("%s/%d schedulers", k.name, n), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				l := k.new(t)
				var r recorder
				order := []int{3, 1, 4, 2} // waiter order[i] queues i'th
				var held atomic.Bool
				bodies := []func(*tasklet.Tasklet){func(tk *tasklet.Tasklet) {
					assert.NoError(t, l.Acquire(tk))
					held.Store(true)
					waitFor(t, tk, "all waiters queued", func() bool { return l.Waiting() == len(order) })
					r.Add("holder releases")
					assert.NoError(t, l.Release(tk))
				}}
				for w := 1; w <= len(order); w++ {
					pos := slices.Index(order, w)
					bodies = append(bodies, func(tk *tasklet.Tasklet) {
						waitFor(t, tk, "my turn to queue", func() bool { return held.Load() && l.Waiting() == pos })
						assert.NoError(t, l.Acquire(tk))
						r.Add("w%d", w)
						assert.NoError(t, l.Release(tk))
					})
				}
				spread(t, n, bodies...)
				assert.Equal(t, []string{"holder releases", "w3", "w1", "w4", "w2"}, r.Log())
				assert.Equal(t, 0, l.Waiting())
			})
		}
	}
}

// Many parties hammer one lock from several schedulers, yielding inside
// the critical section: never two inside, no acquisition lost.
func TestCrossKindsMutualExclusion(t *testing.T) {
	const parties, rounds = 8, 200
	for _, k := range kinds {
		for _, n := range spreads {
			t.Run(fmt.Sprintf("%s/%d schedulers", k.name, n), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				l := k.new(t)
				var inside, most, total atomic.Int64
				var bodies []func(*tasklet.Tasklet)
				for range parties {
					bodies = append(bodies, func(tk *tasklet.Tasklet) {
						for i := range rounds {
							if i%3 == 0 {
								assert.NoError(t, l.AcquireTimeout(tk, time.Minute))
							} else if !l.TryAcquire(tk) {
								assert.NoError(t, l.Acquire(tk))
							}
							in := inside.Inc()
							if in > most.Load() {
								most.Store(in)
							}
							total.Inc()
							assert.NoError(t, tk.Schedule())
							inside.Dec()
							assert.NoError(t, l.Release(tk))
						}
					})
				}
				spread(t, n, bodies...)
				assert.Equal(t, int64(1), most.Load(), "mutual exclusion")
				assert.Equal(t, int64(parties*rounds), total.Load())
				assert.Equal(t, 0, l.Waiting())
				assertFree(t, l)
			})
		}
	}
}

// Timeouts on the real clock, and a waiter of another scheduler killed
// while it waits: it leaves, and the unit goes to the next waiter.
func TestCrossKindsTimeoutAndKill(t *testing.T) {
	for _, k := range kinds {
		for _, n := range spreads {
			t.Run(fmt.Sprintf("%s/%d schedulers", k.name, n), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				l := k.new(t)
				var r recorder
				var held, timedOut, victimGone atomic.Bool
				var victim atomic.Pointer[tasklet.Tasklet]
				bodies := []func(*tasklet.Tasklet){
					func(tk *tasklet.Tasklet) { // holder
						assert.NoError(t, l.Acquire(tk))
						held.Store(true)
						waitFor(t, tk, "timed out, victim gone, next waiting", func() bool {
							return timedOut.Load() && victimGone.Load() && l.Waiting() == 1
						})
						assert.NoError(t, l.Release(tk))
					},
					func(tk *tasklet.Tasklet) { // times out
						waitFor(t, tk, "held", held.Load)
						start := time.Now()
						err := l.AcquireTimeout(tk, 5*time.Millisecond)
						assert.ErrorIs(t, err, tasklet.ErrTimeout)
						r.Add("timed out: got=%v after>=5ms=%v", err == nil, time.Since(start) >= 5*time.Millisecond)
						timedOut.Store(true)
					},
					func(tk *tasklet.Tasklet) { // the victim
						defer r.Add("victim deferred")
						waitFor(t, tk, "held", held.Load)
						victim.Store(tk)
						_ = l.Acquire(tk)
						r.Add("victim not reached")
					},
					func(tk *tasklet.Tasklet) { // killer
						waitFor(t, tk, "victim known", func() bool { return victim.Load() != nil })
						v := victim.Load()
						waitFor(t, tk, "victim queued", v.Blocked)
						assert.NoError(t, v.Kill())
						waitFor(t, tk, "victim dead", func() bool { return v.State() == tasklet.Dead })
						victimGone.Store(true)
					},
				}
				next := func(tk *tasklet.Tasklet) {
					waitFor(t, tk, "victim gone", victimGone.Load)
					assert.NoError(t, l.Acquire(tk))
					r.Add("next acquired")
					assert.NoError(t, l.Release(tk))
				}
				if n == 4 {
					bodies = append(bodies, func(*tasklet.Tasklet) {}, func(*tasklet.Tasklet) {}, func(*tasklet.Tasklet) {}, next)
				} else {
					bodies = append(bodies, next)
				}
				spread(t, n, bodies...)
				assert.ElementsMatch(t, []string{"timed out: got=false after>=5ms=true", "victim deferred", "next acquired"}, r.Log())
				assert.Equal(t, "next acquired", r.Log()[2])
				assert.Equal(t, 0, l.Waiting())
				assertFree(t, l) // no unit lost
			})
		}
	}
}

// Notify(n) across schedulers wakes exactly the first n waiters.
func TestCrossConditionNotifyN(t *testing.T) {
	for _, n := range spreads {
		t.Run(fmt.Sprintf("%d schedulers", n), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			c := locks.NewCondition(&locks.Lock{})
			var r recorder
			const waiters = 5
			var bodies []func(*tasklet.Tasklet)
			for w := 1; w <= waiters; w++ {
				bodies = append(bodies, func(tk *tasklet.Tasklet) {
					waitFor(t, tk, "my turn", func() bool { return c.Waiting() == w-1 })
					assert.NoError(t, c.Acquire(tk))
					assert.NoError(t, c.Wait(tk))
					r.Add("w%d", w)
					assert.NoError(t, c.Release(tk))
				})
			}
			var afterFirst []string
			bodies = append(bodies, func(tk *tasklet.Tasklet) { // notifier
				waitFor(t, tk, "all waiting", func() bool { return c.Waiting() == waiters })
				assert.NoError(t, c.Acquire(tk))
				assert.NoError(t, c.Notify(tk, 2))
				assert.Equal(t, waiters-2, c.Waiting())
				assert.NoError(t, c.Release(tk))
				waitFor(t, tk, "two woke", func() bool { return len(r.Log()) == 2 })
				afterFirst = r.Log()
				assert.NoError(t, c.Acquire(tk))
				assert.NoError(t, c.NotifyAll(tk))
				assert.NoError(t, c.Release(tk))
			})
			spread(t, n, bodies...)
			assert.ElementsMatch(t, []string{"w1", "w2"}, afterFirst)
			assert.ElementsMatch(t, []string{"w1", "w2", "w3", "w4", "w5"}, r.Log())
			assert.Equal(t, 0, c.Waiting())
		})
	}
}

// A Condition waiter of another scheduler killed while it waits unwinds
// holding the lock, which the killer's scheduler held at the time.
func TestCrossConditionKilledWaiterReacquires(t *testing.T) {
	for _, n := range spreads {
		t.Run(fmt.Sprintf("%d schedulers", n), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var l locks.RLock
			c := locks.NewCondition(&l)
			var r recorder
			var victim atomic.Pointer[tasklet.Tasklet]
			spread(t, n,
				func(tk *tasklet.Tasklet) { // killer, holding the lock
					waitFor(t, tk, "victim known", func() bool { return victim.Load() != nil })
					v := victim.Load()
					waitFor(t, tk, "victim waits", func() bool { return c.Waiting() == 1 })
					assert.NoError(t, l.Acquire(tk))
					assert.NoError(t, v.Kill())
					waitFor(t, tk, "victim waits for the lock", func() bool { return l.Waiting() == 1 })
					r.Add("killer releases")
					assert.NoError(t, l.Release(tk))
				},
				func(tk *tasklet.Tasklet) { // victim
					assert.NoError(t, l.Acquire(tk))
					defer func() {
						r.Add("victim unwinds owning the lock: %v", l.Owner() == tk)
						assert.NoError(t, l.Release(tk))
					}()
					victim.Store(tk)
					_ = c.Wait(tk)
					r.Add("victim not reached")
				})
			assert.Equal(t, []string{"killer releases", "victim unwinds owning the lock: true"}, r.Log())
			assert.Nil(t, l.Owner())
			assert.Equal(t, 0, c.Waiting())
		})
	}
}

// A Condition-guarded queue with producers and consumers on several
// schedulers: every item is consumed exactly once.
func TestCrossConditionQueue(t *testing.T) {
	const producers, consumers, items = 4, 4, 300
	for _, n := range spreads {
		t.Run(fmt.Sprintf("%d schedulers", n), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			c := locks.NewCondition(nil)
			var queue []int
			seen := make(map[int]int)
			done := 0
			var bodies []func(*tasklet.Tasklet)
			for p := range producers {
				bodies = append(bodies, func(tk *tasklet.Tasklet) {
					for i := range items {
						assert.NoError(t, c.Acquire(tk))
						queue = append(queue, p*items+i)
						assert.NoError(t, c.Notify(tk, 1))
						assert.NoError(t, c.Release(tk))
					}
					assert.NoError(t, c.Acquire(tk))
					done++
					assert.NoError(t, c.NotifyAll(tk))
					assert.NoError(t, c.Release(tk))
				})
			}
			for range consumers {
				bodies = append(bodies, func(tk *tasklet.Tasklet) {
					assert.NoError(t, c.Acquire(tk))
					defer func() { assert.NoError(t, c.Release(tk)) }()
					for {
						assert.NoError(t, c.WaitFor(tk, func() bool { return len(queue) > 0 || done == producers }, -1))
						if len(queue) == 0 {
							return
						}
						seen[queue[0]]++
						queue = queue[1:]
					}
				})
			}
			spread(t, n, bodies...)
			require.Len(t, seen, producers*items)
			for item, times := range seen {
				require.Equal(t, 1, times, "item %d", item)
			}
		})
	}
}

// Event, ValueEvent and Barrier across schedulers; the event is set from a
// plain goroutine.
func TestCrossEventsAndBarrier(t *testing.T) {
	for _, n := range spreads {
		t.Run(fmt.Sprintf("%d schedulers", n), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var e locks.Event
			var v locks.ValueEvent[string]
			const parties, rounds = 4, 30
			var actions atomic.Int64
			b, err := locks.NewBarrier(parties, func(*tasklet.Tasklet) error { actions.Inc(); return nil }, -1)
			require.NoError(t, err)
			var mu sync.Mutex
			indexes := make([][]int, rounds)
			var r recorder
			var bodies []func(*tasklet.Tasklet)
			for p := range parties {
				bodies = append(bodies, func(tk *tasklet.Tasklet) {
					ok, err := e.Wait(tk)
					assert.NoError(t, err)
					val, err := v.Wait(tk)
					assert.NoError(t, err)
					r.Add("p%d: %v %s", p, ok, val)
					for round := range rounds {
						idx, err := b.Wait(tk)
						assert.NoError(t, err)
						mu.Lock()
						indexes[round] = append(indexes[round], idx)
						mu.Unlock()
					}
				})
			}
			// The setter is a plain goroutine. Its scheduler, never idle,
			// tells the others that something may still wake them.
			setterReady := make(chan struct{})
			setterDone := make(chan struct{})
			go func() {
				defer close(setterDone)
				s, err := scheduler.New()
				close(setterReady)
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				for e.Waiting() != parties {
					time.Sleep(100 * time.Microsecond)
				}
				e.Set(nil)
				for v.Waiting() != parties {
					time.Sleep(100 * time.Microsecond)
				}
				assert.NoError(t, v.Set(nil, "go"))
			}()
			<-setterReady
			spread(t, n, bodies...)
			<-setterDone
			var want []string
			for p := range parties {
				want = append(want, fmt.Sprintf("p%d: true go", p))
			}
			assert.ElementsMatch(t, want, r.Log())
			assert.Equal(t, int64(rounds), actions.Load())
			for round, idx := range indexes {
				assert.ElementsMatch(t, []int{0, 1, 2, 3}, idx, "round %d", round)
			}
			assert.False(t, b.Broken())
		})
	}
}
