package locks_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: waits that a waker ended (Barrier.Abort, Barrier.Reset,
// ValueEvent.Abort and Set, Event.Set), then a kill or throw before the
// waiter runs. SPEC 2: no lock or event wake-up is a channel transfer, so
// the kill or throw is raised at the wait (kill: unwinds there; throw: the
// wait's result); from the waker's tasklet (pending and immediate form)
// and from a plain goroutine.
func TestAdv2KillAfterWakerEndedWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	errAbort := errors.New("adv2 abort")
	type obj struct {
		wait func(v *tasklet.Tasklet) error
		wake func(k *tasklet.Tasklet)
	}
	objs := []struct {
		name string
		mk   func(t *testing.T) obj
	}{
		{"barrier abort", func(t *testing.T) obj {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			return obj{func(v *tasklet.Tasklet) error { _, err := b.Wait(v); return err }, func(k *tasklet.Tasklet) { b.Abort(k) }}
		}},
		{"barrier reset", func(t *testing.T) obj {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			return obj{func(v *tasklet.Tasklet) error { _, err := b.Wait(v); return err }, func(k *tasklet.Tasklet) { b.Reset(k) }}
		}},
		{"valueEvent abort", func(t *testing.T) obj {
			var e locks.ValueEvent[int]
			return obj{func(v *tasklet.Tasklet) error { _, err := e.Wait(v); return err }, func(k *tasklet.Tasklet) { require.NoError(t, e.Abort(k, errAbort)) }}
		}},
		{"valueEvent set", func(t *testing.T) obj {
			var e locks.ValueEvent[int]
			return obj{func(v *tasklet.Tasklet) error { _, err := e.Wait(v); return err }, func(k *tasklet.Tasklet) { require.NoError(t, e.Set(k, 3)) }}
		}},
		{"event set", func(t *testing.T) obj {
			var e locks.Event
			return obj{func(v *tasklet.Tasklet) error { _, err := e.Wait(v); return err }, func(k *tasklet.Tasklet) { e.Set(k) }}
		}},
	}
	for _, o := range objs {
		for _, strike := range []string{"Kill", "KillNow", "Throw", "ThrowNow"} {
			t.Run(fmt.Sprintf("%s/%s", o.name, strike), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := schedtest.New(t)
				defer schedtest.Close(t, s)
				ob := o.mk(t)
				var rec schedtest.Recorder
				v := schedtest.Spawn(t, s, "v", func(v *tasklet.Tasklet) {
					defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
					rec.Add("v wait %s", adv2LErr(ob.wait(v)))
				})
				schedtest.Spawn(t, s, "k", func(k *tasklet.Tasklet) {
					ob.wake(k)
					var err error
					switch strike {
					case "Kill":
						err = v.Kill()
					case "KillNow":
						err = k.KillNow(v)
					case "Throw":
						err = v.Throw(errX)
					case "ThrowNow":
						err = k.ThrowNow(v, errX)
					}
					rec.Add("k hit %s", adv2LErr(err))
				})
				_, err := s.Run()
				require.NoError(t, err)
				assert.False(t, v.Alive())
				var want []string
				switch strike {
				case "Kill":
					want = []string{"k hit <nil>", "v defer kill=true"}
				case "KillNow":
					want = []string{"v defer kill=true", "k hit <nil>"}
				case "Throw":
					want = []string{"k hit <nil>", "v wait adv2 x", "v defer kill=false"}
				case "ThrowNow":
					want = []string{"v wait adv2 x", "v defer kill=false", "k hit <nil>"}
				}
				assert.Equal(t, want, rec.Log())
			})
		}
	}
}
