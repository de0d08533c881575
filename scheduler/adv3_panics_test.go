package scheduler_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Odd panics in a new tasklet's first instruction (started by the root):
// the uncaught error is delivered to Run at once (SPEC 3), PanicError names
// the tasklet and carries the value; self Kill dies silently; self Throw is
// the tasklet's uncaught error; the rest of the burst still runs.
func TestAdv3FirstInstructionPanics(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv3 x")
	for _, tc := range []struct {
		name  string
		body  func(me *tasklet.Tasklet)
		check func(t *testing.T, err error)
	}{
		{"panic-nil", func(me *tasklet.Tasklet) { panic(nil) }, func(t *testing.T, err error) {
			var pe *tasklet.PanicError
			if assert.ErrorAs(t, err, &pe) {
				_, ok := pe.Value.(*runtime.PanicNilError)
				assert.True(t, ok, "value %T", pe.Value)
			}
		}},
		{"panic-error", func(me *tasklet.Tasklet) { panic(errX) }, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, errX)
		}},
		{"nested-panic", func(me *tasklet.Tasklet) {
			defer func() { panic("second") }()
			panic("first")
		}, func(t *testing.T, err error) {
			var pe *tasklet.PanicError
			if assert.ErrorAs(t, err, &pe) {
				assert.Equal(t, "second", pe.Value)
			}
		}},
		// Kill on self (SPEC 2, pending form included): raised at once, in
		// Kill itself (this case let it go off at Tick before that rule
		// covered the pending form; Tick is no longer reached).
		{"self-kill", func(me *tasklet.Tasklet) { _ = me.Kill(); me.Tick(); panic("not reached") }, func(t *testing.T, err error) {
			assert.NoError(t, err)
		}},
		{"self-killnow", func(me *tasklet.Tasklet) { _ = me.KillNow(me); panic("not reached") }, func(t *testing.T, err error) {
			assert.NoError(t, err)
		}},
		// Throw on self returns the error at once (SPEC 2; this case had
		// Schedule return it before that rule covered the pending form).
		{"self-throw", func(me *tasklet.Tasklet) {
			if err := me.Throw(errX); err != nil {
				panic(err)
			}
			panic("not reached")
		}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, errX)
		}},
		{"repanic-kill-in-defer-of-other", func(me *tasklet.Tasklet) {
			defer func() {
				r := recover()
				if tasklet.IsKill(r) {
					panic(r)
				}
			}()
			_ = me.KillNow(me)
		}, func(t *testing.T, err error) {
			assert.NoError(t, err)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 300
			schedtest.Within(t, 10*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				ran := 0
				var bad *tasklet.Tasklet
				for i := 0; i < n; i++ {
					if i == n/2 {
						bad, err = s.SpawnNamed("bad", tc.body)
						assert.NoError(t, err)
						continue
					}
					_, err := s.Spawn(func(me *tasklet.Tasklet) { ran++ })
					assert.NoError(t, err)
				}
				_, err = s.Run()
				tc.check(t, err)
				if err != nil {
					var pe *tasklet.PanicError
					if errors.As(err, &pe) {
						assert.Same(t, bad, pe.Tasklet)
					}
					assert.Equal(t, n/2, ran, "delivered at once: the rest stays scheduled")
					_, err = s.Run()
					assert.NoError(t, err)
				}
				assert.Equal(t, n-1, ran)
				assert.False(t, bad.Alive())
				assert.NoError(t, s.Close())
			})
		})
	}
}
