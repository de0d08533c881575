package locks_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/atomic"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errStress = errors.New("stress: thrown")

// TestStress runs many tasklets on 4 schedulers: lockers take a Lock (with
// and without timeouts) and check mutual exclusion inside; producers and
// consumers share a Condition-guarded queue (consumers wait with timeouts).
// A killer kills and throws into random lockers and consumers (and starts
// replacements) all along. Asserted at the end: mutual exclusion was never
// violated, every item produced was consumed exactly once, and every lock
// is free with nobody waiting.
func TestStress(t *testing.T) {
	defer goleak.VerifyNone(t)
	const nsched, lockers, producers, consumers = 4, 6, 2, 3
	dur := schedtest.SoakDuration(t, 3*time.Second)

	var l locks.Lock
	var inside, violations, acquired, timeouts atomic.Int64
	c := locks.NewCondition(nil)
	// Guarded by c's lock.
	var queue []int
	produced := make(map[int]bool)
	consumed := make(map[int]int)
	producersLeft := nsched * producers

	var stop atomic.Bool
	var kills, throws atomic.Int64
	var nextItem atomic.Int64

	// victims are the tasklets the killer may pick, with a way to replace them.
	type victim struct {
		tk      *tasklet.Tasklet
		s       *scheduler.Scheduler
		respawn func(*tasklet.Tasklet)
	}
	var vmu sync.Mutex
	var victims []victim

	locker := func(tk *tasklet.Tasklet) {
		rng := rand.New(rand.NewPCG(tk.ID(), 1))
		for !stop.Load() {
			func() {
				var ok bool
				switch rng.IntN(4) {
				case 0:
					ok = l.TryAcquire(tk)
				case 1:
					err := l.AcquireTimeout(tk, time.Duration(rng.IntN(200))*time.Microsecond)
					if err != nil && !errors.Is(err, tasklet.ErrTimeout) {
						return // thrown into
					}
					ok = err == nil
				default:
					ok = l.Acquire(tk) == nil
				}
				if !ok {
					timeouts.Inc()
					return
				}
				defer func() { assert.NoError(t, l.Release(tk)) }()
				if inside.Inc() != 1 {
					violations.Inc()
				}
				defer inside.Dec()
				acquired.Inc()
				if rng.IntN(2) == 0 {
					_ = tk.Schedule() // a kill or throw may land here
				}
			}()
			_ = tk.Schedule()
		}
	}
	producer := func(tk *tasklet.Tasklet) {
		defer func() {
			for c.Acquire(tk) != nil {
			}
			producersLeft--
			assert.NoError(t, c.NotifyAll(tk))
			assert.NoError(t, c.Release(tk))
		}()
		for !stop.Load() {
			if c.Acquire(tk) != nil {
				continue
			}
			item := int(nextItem.Inc())
			queue = append(queue, item)
			produced[item] = true
			assert.NoError(t, c.Notify(tk, 1))
			assert.NoError(t, c.Release(tk))
			_ = tk.Schedule()
		}
	}
	consumer := func(tk *tasklet.Tasklet) {
		rng := rand.New(rand.NewPCG(tk.ID(), 2))
		held := false
		acquire := func() {
			for c.Acquire(tk) != nil { // a throw cuts the wait: try again
			}
			held = true
		}
		defer func() {
			if held {
				assert.NoError(t, c.Release(tk))
			}
		}()
		acquire()
		for {
			if len(queue) > 0 {
				item := queue[0]
				queue = queue[1:]
				consumed[item]++ // in the same critical section: a kill cannot lose it
				if rng.IntN(3) == 0 {
					held = false
					assert.NoError(t, c.Release(tk))
					_ = tk.Schedule()
					acquire()
				}
				continue
			}
			if stop.Load() && producersLeft == 0 {
				return
			}
			// A throw or a timeout ends the wait; the lock is held again
			// either way, and when a kill unwinds it.
			_ = c.WaitTimeout(tk, time.Duration(1+rng.IntN(2000))*time.Microsecond)
		}
	}
	killer := func(tk *tasklet.Tasklet) {
		rng := rand.New(rand.NewPCG(tk.ID(), 3))
		for !stop.Load() {
			_ = tk.Sleep(time.Duration(100+rng.IntN(400)) * time.Microsecond)
			vmu.Lock()
			if len(victims) == 0 {
				vmu.Unlock()
				continue
			}
			i := rng.IntN(len(victims))
			v := victims[i]
			if rng.IntN(4) == 0 {
				vmu.Unlock()
				if v.tk.Throw(errStress) == nil {
					throws.Inc()
				}
				continue
			}
			victims = append(victims[:i], victims[i+1:]...)
			vmu.Unlock()
			if err := v.tk.Kill(); err == nil {
				kills.Inc()
			}
			if _, err := v.s.Spawn(v.respawn); err != nil && !stop.Load() {
				assert.NoError(t, err) // once stopped, its scheduler may have closed
			}
		}
	}
	// killable wraps a body so that it joins the victims once it runs (a
	// throw into a tasklet that never ran would be its uncaught error).
	killable := func(fn func(*tasklet.Tasklet)) func(*tasklet.Tasklet) {
		var body func(*tasklet.Tasklet)
		body = func(tk *tasklet.Tasklet) {
			vmu.Lock()
			victims = append(victims, victim{tk, scheduler.Of(tk), body})
			vmu.Unlock()
			fn(tk)
		}
		return body
	}

	var created, done sync.WaitGroup
	start := make(chan struct{})
	created.Add(nsched)
	done.Add(nsched)
	for i := range nsched {
		go func() {
			defer done.Done()
			s, err := scheduler.New(scheduler.WithName(fmt.Sprint("stress", i)))
			created.Done()
			if !assert.NoError(t, err) {
				return
			}
			defer func() { assert.NoError(t, s.Close()) }()
			<-start
			add := func(fn func(*tasklet.Tasklet)) {
				_, err := s.Spawn(fn)
				assert.NoError(t, err)
			}
			for range lockers {
				add(killable(locker))
			}
			for range producers {
				add(producer)
			}
			add(consumer) // the drainer: never killed
			for range consumers - 1 {
				add(killable(consumer))
			}
			if i == 0 {
				add(killer)
			}
			_, err = s.Run(scheduler.ThreadBlock())
			assert.NoError(t, err)
		}()
	}
	created.Wait()
	close(start)
	time.Sleep(dur)
	stop.Store(true)
	done.Wait()

	t.Logf("%v: %d acquisitions, %d failed tries/timeouts, %d items, %d kills, %d throws",
		dur, acquired.Load(), timeouts.Load(), len(produced), kills.Load(), throws.Load())
	assert.Zero(t, violations.Load(), "mutual exclusion violated")
	assert.Positive(t, acquired.Load())
	assert.Positive(t, kills.Load())
	require.NotEmpty(t, produced)
	assert.Empty(t, queue, "every item consumed")
	assert.Len(t, consumed, len(produced), "no item lost")
	for item, n := range consumed {
		if !produced[item] || n != 1 {
			assert.Failf(t, "item consumed wrongly", "item %d: produced %v, consumed %d times", item, produced[item], n)
		}
	}
	assert.False(t, l.Locked())
	assert.Zero(t, l.Waiting())
	assert.Nil(t, c.Lock().(*locks.RLock).Owner())
	assert.Zero(t, c.Waiting())
}
