package locks_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: tasklet.ErrTimeout itself thrown into a timed wait whose
// timer has not fired (or has fired, the thrower's timer of the same deadline
// firing first). A throw is the wait's result (Barrier: "A thrown error
// breaks the barrier too, and is returned"; Select: "When the wait is cut
// rather than a case chosen, Select returns -1 and the reason (a thrown
// error ...)"), and is told apart from the timer's: the barrier's own timeout
// matches ErrBrokenBarrier as well, Select's Timeout case returns its index.
// FAILS in every row: the thrown ErrTimeout is read as the timer's. The
// Barrier returns "broken barrier: timeout" (its own timeout's error) for
// an hour-long timeout that never ran out; Select returns index 1 (its
// Timeout(1h) case "chosen" though no time passed) instead of -1. Commits
// f01a78e/08a730f fixed exactly this for a *wrapped* ErrTimeout and for
// Sleep; ErrTimeout's doc: the timeout error comes "when the time runs out".
func TestAdv2ThrownErrTimeoutIntoTimedWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	waits := []struct {
		name string
		wait func(v *tasklet.Tasklet) string
		want string
	}{
		{"barrier", func(v *tasklet.Tasklet) string {
			b, err := locks.NewBarrier(2, nil, time.Hour)
			if err != nil {
				return err.Error()
			}
			i, err := b.Wait(v)
			return fmt.Sprintf("%d %v broken-err=%v broken=%v", i, err, errors.Is(err, locks.ErrBrokenBarrier), b.Broken())
		}, "-1 stackless: timeout broken-err=false broken=true"},
		{"select", func(v *tasklet.Tasklet) string {
			i, err := channel.Select(v, channel.Recv(channel.New[int]()), channel.Timeout(time.Hour))
			return fmt.Sprintf("%d %v", i, err)
		}, "-1 stackless: timeout"},
	}
	for _, w := range waits {
		for _, fired := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/timer-fired=%v", w.name, fired), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				clock := scheduler.NewFakeClock(time.Unix(0, 0))
				s := schedtest.New(t, scheduler.WithClock(clock))
				defer schedtest.Close(t, s)
				var rec schedtest.Recorder
				var v *tasklet.Tasklet
				k := func(k *tasklet.Tasklet) {
					if fired {
						require.NoError(t, k.Sleep(time.Hour))
					}
					rec.Add("k %v", v.Throw(tasklet.ErrTimeout))
				}
				if fired {
					schedtest.Spawn(t, s, "k", k)
				}
				v = schedtest.Spawn(t, s, "v", func(v *tasklet.Tasklet) { rec.Add("v %s", w.wait(v)) })
				if !fired {
					schedtest.Spawn(t, s, "k", k)
				}
				_, err := s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
				assert.Equal(t, []string{"k <nil>", "v " + w.want}, rec.Log())
			})
		}
	}
}

// A timed acquirer that was granted its wakeup (Release woke it) and is then
// thrown into (ErrTimeout itself, another error) or killed before it runs:
// SPEC 2/9 "a wakeup it had consumed passes on to the next waiter: no unit is
// ever lost". The next waiter gets the unit.
func TestAdv2WokenTimedAcquirerStruckPassesUnit(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	strikes := []struct {
		name string
		hit  func(v *tasklet.Tasklet) error
		want string
	}{
		{"Throw ErrTimeout", func(v *tasklet.Tasklet) error { return v.Throw(tasklet.ErrTimeout) }, "v1 stackless: timeout"},
		{"Throw other", func(v *tasklet.Tasklet) error { return v.Throw(errX) }, "v1 adv2 x"},
		{"Kill", func(v *tasklet.Tasklet) error { return v.Kill() }, "v1 killed"},
	}
	for _, st := range strikes {
		for _, timed := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/timed=%v", st.name, timed), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := schedtest.New(t)
				defer schedtest.Close(t, s)
				sem, err := locks.NewSemaphore(0)
				require.NoError(t, err)
				var rec schedtest.Recorder
				v1 := schedtest.Spawn(t, s, "v1", func(v *tasklet.Tasklet) {
					defer func() {
						if r := recover(); r != nil {
							rec.Add("v1 killed")
						}
					}()
					var err error
					if timed {
						err = sem.AcquireTimeout(v, time.Hour)
					} else {
						err = sem.Acquire(v)
					}
					rec.Add("v1 %s", adv2LErr(err))
				})
				schedtest.Spawn(t, s, "v2", func(v *tasklet.Tasklet) {
					rec.Add("v2 %s", adv2LErr(sem.Acquire(v)))
				})
				schedtest.Spawn(t, s, "k", func(k *tasklet.Tasklet) {
					require.NoError(t, sem.Release(k))
					require.NoError(t, st.hit(v1))
				})
				_, err = s.Run()
				require.NoError(t, err)
				assert.Equal(t, []string{st.want, "v2 <nil>"}, rec.Log())
				assert.Equal(t, 0, sem.Value())
				assert.Equal(t, 0, sem.Waiting())
			})
		}
	}
}
