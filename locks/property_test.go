// The property test of the locks: random programs run against the runtime, checked step by step.

package locks_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/atomic"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// propLock is what the four lock types share here.
type propLock interface {
	acquirer
	Locked() bool
}

type semLocked struct {
	*locks.Semaphore
	units int
}

func (s semLocked) Locked() bool { return s.Value() < s.units }

type bsemLocked struct{ *locks.BoundedSemaphore }

func (s bsemLocked) Locked() bool { return s.Value() < s.Bound() }

// TestLocksProperty runs random programs (issue 13's acceptance): on 1 to
// 4 schedulers, workers acquire (blocking, timed, try), hold across
// switches and release one of the lock types (and wait on and notify a
// Condition over a Lock or an RLock), while controllers kill and
// throw into them, pending or immediate, from their own scheduler or
// another. Asserted, besides no goroutine leak:
//   - never more holders than units (mutual exclusion);
//   - a kill is never lost: once a worker's own scheduler issued a kill
//     (the worker is suspended then), no call of the worker returns
//     normally again, and it dies by that kill; a kill issued from another
//     scheduler goes off at the worker's next call;
//   - a throw from the worker's own scheduler is returned by the call the
//     worker is suspended in (a lock wait that was woken included; a
//     Condition wait that was notified and re-acquires the lock keeps it
//     pending for the next call);
//   - a Condition wait returns, or unwinds, holding the lock;
//   - every worker that ran runs its deferred calls exactly once, and one
//     killed never ends normally;
//   - at the end the lock is free, every semaphore unit is back (none
//     lost), nobody waits, and an RLock has no owner: no lock is left held
//     by a dead tasklet.
//
// -lockprograms=N changes the number of programs; a failure names the seed
// and prints the program.
func TestLocksProperty(t *testing.T) {
	n := *lockPrograms
	if (propRaceEnabled || testing.Short()) && n == defaultLockPrograms {
		n = 30
	}
	for seed := range uint64(n) {
		p := genPropProgram(seed)
		if !runPropProgram(t, seed, p) {
			t.Logf("seed %d failed; program:\n%v", seed, p)
			return
		}
	}
}

func runPropProgram(t *testing.T, seed uint64, p propProgram) bool {
	t.Helper()
	ok := t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
		defer goleak.VerifyNone(t)
		var l propLock
		var cond *locks.Condition // over l, for a Lock or an RLock
		switch p.kind {
		case "Lock":
			lk := &locks.Lock{}
			l, cond = lk, locks.NewCondition(lk)
		case "RLock":
			rl := &locks.RLock{}
			l, cond = rl, locks.NewCondition(rl)
		case "Semaphore":
			s, err := locks.NewSemaphore(p.units)
			require.NoError(t, err)
			l = semLocked{s, p.units}
		default:
			s, err := locks.NewBoundedSemaphore(p.units)
			require.NoError(t, err)
			l = bsemLocked{s}
		}
		nw := len(p.workers)
		var (
			mu         sync.Mutex
			violations []string
			inUse      atomic.Int64
			tks        = make([]*tasklet.Tasklet, nw)
			started    = make([]atomic.Bool, nw)
			killLocal  = make([]atomic.Bool, nw) // a kill from its own scheduler was issued
			killRemote = make([]atomic.Bool, nw) // a kill from another scheduler was issued
			throwLocal = make([]atomic.Bool, nw) // a throw from its own scheduler is pending
			deferred   = make([]atomic.Int32, nw)
			diedKilled = make([]atomic.Bool, nw)
			endedOK    = make([]atomic.Bool, nw)
		)
		violate := func(format string, args ...any) {
			mu.Lock()
			violations = append(violations, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		ready := make(chan struct{}) // every tasklet is created
		worker := func(w int, script []propOp) func(*tasklet.Tasklet) {
			return func(tk *tasklet.Tasklet) {
				<-ready
				started[w].Store(true)
				held := 0
				waiting := false // in Condition.Wait: the lock is not held meanwhile
				// An RLock's levels count as one unit, held from the first
				// level to the last.
				took := func() {
					held++
					if p.kind == "RLock" && held > 1 {
						return
					}
					if inUse.Inc() > int64(p.units) {
						violate("w%d: more holders than units", w)
					}
				}
				gave := func() {
					held--
					if p.kind != "RLock" || held == 0 {
						inUse.Dec()
					}
				}
				defer func() {
					deferred[w].Inc()
					if r := recover(); r != nil {
						if !tasklet.IsKill(r) {
							panic(r)
						}
						diedKilled[w].Store(true)
						defer panic(r)
					}
					if waiting { // Wait unwinds holding the lock again
						waiting = false
						if !holdsLock(l, tk) {
							violate("w%d: unwound out of Wait without the lock", w)
						}
						if inUse.Inc() > int64(p.units) {
							violate("w%d: more holders than units", w)
						}
					}
					for held > 0 {
						gave()
						if err := l.Release(tk); err != nil {
							violate("w%d: release in defer: %v", w, err)
						}
					}
					if rl, ok := l.(*locks.RLock); ok && rl.Owner() == tk {
						violate("w%d dies owning the RLock", w)
					}
				}()
				// after checks a suspending call that returned normally
				// (err is what it returned, nil or not).
				after := func(what string, remoteBefore bool, err error) {
					switch {
					case killLocal[w].Load():
						violate("w%d: %s returned (%v) after a kill from its own scheduler", w, what, err)
					case remoteBefore:
						violate("w%d: %s returned (%v) after a kill from another scheduler", w, what, err)
					case errors.Is(err, errWokenStop):
						throwLocal[w].Store(false)
					case err != nil:
						violate("w%d: %s: %v", w, what, err)
					case throwLocal[w].Load() && what != "Wait":
						// (A throw that lands while a notified Wait
						// re-acquires the lock stays pending for the next
						// call: that wait was complete.)
						violate("w%d: %s returned nil with a throw from its own scheduler pending", w, what)
					}
				}
				for _, op := range script {
					remote := killRemote[w].Load()
					switch op.kind {
					case pAcquire:
						if held > 0 && p.kind != "RLock" {
							continue
						}
						err := l.Acquire(tk)
						after("Acquire", remote, err)
						if err == nil {
							took()
						}
					case pTimed:
						err := l.AcquireTimeout(tk, op.d)
						got := err == nil
						if errors.Is(err, tasklet.ErrTimeout) {
							err = nil // ran out: not a failure here
						}
						after("AcquireTimeout", remote, err)
						if got {
							took()
						}
					case pTry:
						if l.TryAcquire(tk) {
							took()
						}
					case pRelease:
						if held > 0 {
							gave()
							if err := l.Release(tk); err != nil {
								violate("w%d: release: %v", w, err)
							}
						}
					case pSchedule:
						after("Schedule", remote, tk.Schedule())
					case pSleep0:
						after("Sleep(0)", remote, tk.Sleep(0))
					case pSleep:
						after("Sleep", remote, tk.Sleep(op.d))
					case pWait:
						if cond == nil || held == 0 {
							continue
						}
						inUse.Dec() // Wait releases every level
						waiting = true
						err := cond.WaitTimeout(tk, op.d)
						if errors.Is(err, tasklet.ErrTimeout) {
							err = nil // ran out: not a failure here
						}
						waiting = false
						if inUse.Inc() > int64(p.units) {
							violate("w%d: more holders than units", w)
						}
						after("Wait", remote, err)
						if !holdsLock(l, tk) {
							violate("w%d: Wait returned (%v) without the lock", w, err)
						}
					case pNotify:
						if cond == nil || held == 0 {
							continue
						}
						var err error
						if op.d%2 == 0 {
							err = cond.Notify(tk, 1)
						} else {
							err = cond.NotifyAll(tk)
						}
						if err != nil {
							violate("w%d: notify: %v", w, err)
						}
					}
				}
				endedOK[w].Store(true)
			}
		}
		controller := func(c int, script []propOp) func(*tasklet.Tasklet) {
			return func(tk *tasklet.Tasklet) {
				<-ready
				for _, op := range script {
					v := tks[op.target]
					local := scheduler.Of(v) == scheduler.Of(tk)
					alive := v.State() != tasklet.Dead
					switch op.kind {
					case cKill, cKillNow:
						if local && alive {
							killLocal[op.target].Store(true)
						}
						var err error
						if op.kind == cKillNow && local {
							err = tk.KillNow(v)
						} else {
							err = v.Kill()
						}
						if err != nil {
							violate("c%d: kill w%d: %v", c, op.target, err)
						}
						if !local {
							killRemote[op.target].Store(true)
						}
					case cThrow, cThrowNow:
						// Only into a started worker (a throw into one that
						// never ran is its uncaught error), one at a time
						// from its own scheduler.
						if !started[op.target].Load() || !alive || (local && throwLocal[op.target].Load()) {
							continue
						}
						if local {
							throwLocal[op.target].Store(true)
						}
						var err error
						if op.kind == cThrowNow && local {
							err = tk.ThrowNow(v, errWokenStop)
						} else {
							err = v.Throw(errWokenStop)
						}
						switch {
						case errors.Is(err, tasklet.ErrThrowPending):
							// Another throw (from another scheduler) is
							// still pending: this one was refused, not lost.
							if local {
								throwLocal[op.target].Store(false)
							}
						case err != nil && !errors.Is(err, tasklet.ErrDead):
							violate("c%d: throw w%d: %v", c, op.target, err)
						}
					case cSchedule:
						_ = tk.Schedule()
					case cSleep:
						_ = tk.Sleep(op.d)
					}
				}
			}
		}

		// One goroutine per scheduler, each running its tasklets with
		// Run(ThreadBlock); every scheduler exists before any tasklet runs.
		var created, spawned, done sync.WaitGroup
		created.Add(p.nsched)
		spawned.Add(p.nsched)
		done.Add(p.nsched)
		start := make(chan struct{})
		for i := range p.nsched {
			go func() {
				defer done.Done()
				s, err := scheduler.New(scheduler.WithName(fmt.Sprint("s", i)))
				created.Done()
				if !assert.NoError(t, err) {
					spawned.Done()
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				<-start
				for w := i; w < nw; w += p.nsched {
					tks[w], err = s.SpawnNamed(fmt.Sprint("w", w), worker(w, p.workers[w]))
					assert.NoError(t, err)
				}
				for c := i; c < len(p.controls); c += p.nsched {
					_, err = s.SpawnNamed(fmt.Sprint("c", c), controller(c, p.controls[c]))
					assert.NoError(t, err)
				}
				spawned.Done()
				for {
					_, err = s.Run(scheduler.ThreadBlock())
					if !errors.Is(err, errWokenStop) {
						break
					}
					// a throw that landed as a worker's body ended,
					// after its last switch point: its uncaught error,
					// never dropped (SPEC 2); Run returns it at once
				}
				assert.NoError(t, err)
			}()
		}
		created.Wait()
		close(start)
		spawned.Wait()
		close(ready)
		done.Wait()

		assert.Empty(t, violations)
		for w := range nw {
			assert.Equal(t, tasklet.Dead, tks[w].State(), "w%d", w)
			if started[w].Load() {
				assert.Equal(t, int32(1), deferred[w].Load(), "w%d: deferred calls run once", w)
			} else {
				assert.Zero(t, deferred[w].Load(), "w%d never ran", w)
			}
			if killLocal[w].Load() && started[w].Load() {
				assert.False(t, endedOK[w].Load(), "w%d: killed from its own scheduler, ended normally", w)
				assert.True(t, diedKilled[w].Load(), "w%d: killed from its own scheduler, did not unwind", w)
			}
		}
		assert.False(t, l.Locked(), "the lock ends free: no unit lost, none held by a dead tasklet")
		assert.Zero(t, l.Waiting())
		if cond != nil {
			assert.Zero(t, cond.Waiting())
		}
		if rl, ok := l.(*locks.RLock); ok {
			assert.Nil(t, rl.Owner())
		}
	})
	return ok
}
