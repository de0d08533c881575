package locks_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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

// Adversarial 2: a kill or throw that reaches a tasklet whose lock,
// condition, event or barrier wait was ended by its context or its timeout
// (nothing taken, nothing handed over) before the tasklet runs again.
//
// SPEC 2: "A kill is never lost and a throw is never dropped. A tasklet that
// was woken but has not run yet ... has completed nothing that the kill would
// undo: the kill or throw is raised at its suspension point before any of its
// own code runs". So the kill unwinds the tasklet at the wait (nothing after
// the wait runs, its deferred functions run once) and a throw is the wait's
// result; the lock is left as it was (nothing was acquired).

var errAdv2L = errors.New("adv2 thrown")

type adv2LWait struct {
	name string
	// setup: wait runs in the victim with ctx (or with timeout d when
	// timed); state describes the primitive afterwards; holder is main,
	// which may hold a lock for the duration.
	setup func(t *testing.T, holder *tasklet.Tasklet) (wait func(ctx context.Context, v *tasklet.Tasklet, d time.Duration) error, state func() string)
	// wantState is state() after the victim was killed or thrown into.
	wantState string
}

func adv2LWaits() []adv2LWait {
	return []adv2LWait{
		{name: "lock", wantState: "locked=true waiting=0",
			setup: func(t *testing.T, holder *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet, time.Duration) error, func() string) {
				var l locks.Lock
				require.NoError(t, l.Acquire(holder))
				return func(ctx context.Context, v *tasklet.Tasklet, d time.Duration) error {
						if ctx != nil {
							return l.AcquireContext(ctx, v)
						}
						return l.AcquireTimeout(v, d)
					}, func() string {
						return fmt.Sprintf("locked=%v waiting=%d", l.Locked(), l.Waiting())
					}
			}},
		{name: "semaphore", wantState: "value=0 waiting=0",
			setup: func(t *testing.T, _ *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet, time.Duration) error, func() string) {
				sem, err := locks.NewSemaphore(0)
				require.NoError(t, err)
				return func(ctx context.Context, v *tasklet.Tasklet, d time.Duration) error {
						if ctx != nil {
							return sem.AcquireContext(ctx, v)
						}
						return sem.AcquireTimeout(v, d)
					}, func() string {
						return fmt.Sprintf("value=%d waiting=%d", sem.Value(), sem.Waiting())
					}
			}},
		{name: "event", wantState: "set=false waiting=0",
			setup: func(*testing.T, *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet, time.Duration) error, func() string) {
				var e locks.Event
				return func(ctx context.Context, v *tasklet.Tasklet, d time.Duration) error {
						var err error
						if ctx != nil {
							_, err = e.WaitContext(ctx, v)
						} else {
							_, err = e.WaitTimeout(v, d)
						}
						return err
					}, func() string {
						return fmt.Sprintf("set=%v waiting=%d", e.IsSet(), e.Waiting())
					}
			}},
		{name: "valueEvent", wantState: "fired=false waiting=0",
			setup: func(*testing.T, *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet, time.Duration) error, func() string) {
				var e locks.ValueEvent[int]
				return func(ctx context.Context, v *tasklet.Tasklet, d time.Duration) error {
						var err error
						if ctx != nil {
							_, err = e.WaitContext(ctx, v)
						} else {
							_, err = e.WaitTimeout(v, d)
						}
						return err
					}, func() string {
						return fmt.Sprintf("fired=%v waiting=%d", e.Fired(), e.Waiting())
					}
			}},
		{name: "condition", wantState: "locked=false waiting=0",
			setup: func(t *testing.T, _ *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet, time.Duration) error, func() string) {
				var l locks.Lock
				c := locks.NewCondition(&l)
				return func(ctx context.Context, v *tasklet.Tasklet, d time.Duration) error {
						require.NoError(t, c.Acquire(v))
						defer func() { assert.NoError(t, c.Release(v)) }()
						if ctx != nil {
							return c.WaitContext(ctx, v)
						}
						return c.WaitTimeout(v, d)
					}, func() string {
						return fmt.Sprintf("locked=%v waiting=%d", l.Locked(), c.Waiting())
					}
			}},
		{name: "barrier", wantState: "broken=true waiting=0",
			setup: func(t *testing.T, _ *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet, time.Duration) error, func() string) {
				b, err := locks.NewBarrier(2, nil, -1)
				require.NoError(t, err)
				return func(ctx context.Context, v *tasklet.Tasklet, d time.Duration) error {
						var err error
						if ctx != nil {
							_, err = b.WaitContext(ctx, v)
						} else {
							_, err = b.WaitTimeout(v, d)
						}
						return err
					}, func() string {
						return fmt.Sprintf("broken=%v waiting=%d", b.Broken(), b.Waiting())
					}
			}},
	}
}

type adv2LStrike struct {
	name      string
	kill, now bool
}

var adv2LStrikes = []adv2LStrike{
	{name: "Kill", kill: true},
	{name: "KillNow", kill: true, now: true},
	{name: "Throw"},
	{name: "ThrowNow", now: true},
}

func adv2LHit(st adv2LStrike, by, v *tasklet.Tasklet) error {
	switch {
	case st.kill && st.now:
		return by.KillNow(v)
	case st.kill:
		return v.Kill()
	case st.now:
		return by.ThrowNow(v, errAdv2L)
	default:
		return v.Throw(errAdv2L)
	}
}

func adv2LErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// adv2LWant: the victim's log when struck after its wait ended, the
// striker logging "k hit" (before, for the pending form; after, for the
// immediate form of a tasklet of the same scheduler).
func adv2LWant(st adv2LStrike, immediate, endNow bool) []string {
	if immediate {
		switch {
		case st.kill:
			return []string{"v defer kill=true", "k hit: <nil>"}
		case endNow:
			return []string{"v wait: adv2 thrown", "v defer kill=false", "k hit: <nil>"}
		default:
			return []string{"v wait: adv2 thrown", "k hit: <nil>", "v after: <nil>", "v defer kill=false"}
		}
	}
	if st.kill {
		return []string{"k hit: <nil>", "v defer kill=true"}
	}
	if endNow {
		return []string{"k hit: <nil>", "v wait: adv2 thrown", "v defer kill=false"}
	}
	return []string{"k hit: <nil>", "v wait: adv2 thrown", "v after: <nil>", "v defer kill=false"}
}

func adv2LVictim(rec *schedtest.Recorder, wait func(v *tasklet.Tasklet) error, endNow bool) func(*tasklet.Tasklet) {
	return func(v *tasklet.Tasklet) {
		defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
		err := wait(v)
		rec.Add("v wait: %s", adv2LErr(err))
		if endNow {
			return
		}
		rec.Add("v after: %s", adv2LErr(v.Schedule()))
	}
}

// The context's cancellation has woken the waiter (it is no longer Blocked)
// and the kill or throw lands before it runs: the kill unwinds it at the
// wait, the throw is the wait's result, the lock is as it was (passes for
// every lock; channel's context forms fail the same attack, see
// channel.TestAdv2KillAfterContextCutWait).
func TestAdv2LocksKillAfterContextCutWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv2LWaits() {
		for _, st := range adv2LStrikes {
			for _, src := range []string{"tasklet", "main", "goroutine"} {
				if st.now && src == "goroutine" {
					continue
				}
				for _, endNow := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/%s/%s/end=%v", w.name, st.name, src, endNow), func(t *testing.T) {
						defer goleak.VerifyNone(t)
						s := schedtest.New(t)
						defer schedtest.Close(t, s)
						var rec schedtest.Recorder
						wait, state := w.setup(t, s.Main())
						ctx, cancel := context.WithCancel(context.Background())
						defer cancel()
						v := schedtest.Spawn(t, s, "v", adv2LVictim(&rec, func(v *tasklet.Tasklet) error { return wait(ctx, v, 0) }, endNow))
						_, err := s.Run()
						require.NoError(t, err)
						require.True(t, v.Blocked())
						strike := func(by *tasklet.Tasklet) {
							cancel()
							for i := 0; i < 1_000_000 && v.Blocked(); i++ {
								runtime.Gosched()
							}
							rec.Add("k hit: %s", adv2LErr(adv2LHit(st, by, v)))
						}
						switch src {
						case "tasklet":
							schedtest.Spawn(t, s, "k", strike)
						case "main":
							strike(s.Main())
						case "goroutine":
							done := make(chan struct{})
							go func() { defer close(done); strike(nil) }()
							<-done
						}
						_, err = s.Run()
						require.NoError(t, err)
						require.False(t, v.Alive())
						assert.Equal(t, adv2LWant(st, st.now && src != "goroutine", endNow), rec.Log())
						assert.Equal(t, w.wantState, state())
					})
				}
			}
		}
	}
}

// A timed wait whose timer fired, struck by a tasklet woken by an earlier
// timer of the same deadline before the victim runs again.
func TestAdv2LocksKillAfterTimeoutFired(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv2LWaits() {
		for _, st := range adv2LStrikes {
			for _, endNow := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/end=%v", w.name, st.name, endNow), func(t *testing.T) {
					defer goleak.VerifyNone(t)
					clock := scheduler.NewFakeClock(time.Unix(0, 0))
					s := schedtest.New(t, scheduler.WithClock(clock))
					defer schedtest.Close(t, s)
					var rec schedtest.Recorder
					wait, state := w.setup(t, s.Main())
					var v *tasklet.Tasklet
					schedtest.Spawn(t, s, "k", func(k *tasklet.Tasklet) {
						require.NoError(t, k.Sleep(time.Second))
						rec.Add("k hit: %s", adv2LErr(adv2LHit(st, k, v)))
					})
					v = schedtest.Spawn(t, s, "v", adv2LVictim(&rec, func(v *tasklet.Tasklet) error { return wait(nil, v, time.Second) }, endNow))
					_, err := s.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
					require.False(t, v.Alive())
					assert.Equal(t, adv2LWant(st, st.now, endNow), rec.Log())
					assert.Equal(t, w.wantState, state())
				})
			}
		}
	}
}

// A semaphore waiter whose ctx is cancelled from one goroutine while another
// releases a unit, then killed before it runs: whatever order the two
// wake-ups land in, the tasklet acquired nothing (it never ran), so the unit
// is still there (SPEC 9: "no unit is ever lost"), the waiter unwinds at the
// wait, and a later TryAcquire takes the unit.
func TestAdv2SemaphoreCancelRacesReleaseThenKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	for round := 0; round < 200; round++ {
		s := schedtest.New(t)
		sem, err := locks.NewSemaphore(0)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		var rec schedtest.Recorder
		v := schedtest.Spawn(t, s, "v", func(v *tasklet.Tasklet) {
			defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
			rec.Add("v acquire %s", adv2LErr(sem.AcquireContext(ctx, v)))
		})
		_, err = s.Run()
		require.NoError(t, err)
		done := make(chan struct{}, 2)
		go func() { cancel(); done <- struct{}{} }()
		go func() { assert.NoError(t, sem.Release(nil)); done <- struct{}{} }()
		<-done
		<-done
		for i := 0; i < 1_000_000 && v.Blocked(); i++ {
			runtime.Gosched()
		}
		require.NoError(t, v.Kill())
		_, err = s.Run()
		require.NoError(t, err)
		require.Equal(t, []string{"v defer kill=true"}, rec.Log(), "round %d", round)
		require.Equal(t, 1, sem.Value(), "round %d", round)
		require.Equal(t, 0, sem.Waiting())
		require.True(t, sem.TryAcquire(nil))
		schedtest.Close(t, s)
	}
}
