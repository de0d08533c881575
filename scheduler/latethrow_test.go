package scheduler_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errLate = errors.New("late throw")

// throwFromGoroutine throws errLate into t from another goroutine, which
// takes the pending form, and waits for Throw's result: t, which calls it,
// reaches no switch point in between.
func throwFromGoroutine(t *tasklet.Tasklet) error {
	c := make(chan error)
	go func() { c <- t.Throw(errLate) }()
	return <-c
}

// A throw accepted after a tasklet's last switch point, as its body ends,
// is never dropped (SPEC 2): it becomes the tasklet's uncaught error,
// through the error handler, as a throw that came before its first
// instruction does. A tasklet that already dies of an error or of a kill
// keeps that end: a throw cannot undo it.
func TestLateThrowBecomesUncaughtError(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name    string
		handler string // "", "pass", "swallow"
		ending  string // "return", "panic", "killed"
		want    []string
		wantRun string // Run's error: the panic value, or "<nil>"
	}{
		{"return", "", "return", []string{"throw <nil>"}, "late throw"},
		{"return/handler", "pass", "return", []string{"throw <nil>", "handler late throw"}, "late throw"},
		{"return/swallowed", "swallow", "return", []string{"throw <nil>", "handler late throw"}, "<nil>"},
		{"panic", "", "panic", []string{"throw <nil>"}, "boom"},
		{"panic/handler", "pass", "panic", []string{"throw <nil>", "handler boom"}, "boom"},
		{"killed", "", "killed", []string{"A defer", "throw <nil>"}, "<nil>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var log []string
			var opts []scheduler.Option
			if c.handler != "" {
				opts = append(opts, scheduler.WithErrorHandler(func(_ *tasklet.Tasklet, err error) error {
					var pe *tasklet.PanicError
					require.ErrorAs(t, err, &pe)
					log = append(log, fmt.Sprint("handler ", pe.Value))
					if c.handler == "swallow" {
						return nil
					}
					return err
				}))
			}
			s, err := scheduler.New(opts...)
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
				switch c.ending {
				case "panic":
					defer func() { log = append(log, fmt.Sprint("throw ", throwFromGoroutine(me))) }()
					panic("boom")
				case "killed":
					defer func() { log = append(log, fmt.Sprint("throw ", throwFromGoroutine(me))) }()
					defer func() { log = append(log, "A defer") }()
					_ = me.Sleep(0) // killed here by B
					log = append(log, "A not killed")
				default:
					log = append(log, fmt.Sprint("throw ", throwFromGoroutine(me)))
				}
			})
			require.NoError(t, err)
			_, err = s.Spawn(func(me *tasklet.Tasklet) { require.NoError(t, a.Kill()) })
			require.NoError(t, err)
			_, err = s.Run(scheduler.ThreadBlock())
			got := "<nil>"
			if err != nil {
				var pe *tasklet.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Same(t, a, pe.Tasklet)
				got = fmt.Sprint(pe.Value)
			}
			assert.Equal(t, c.wantRun, got)
			assert.Equal(t, c.want, log)
			assert.Equal(t, tasklet.Dead, a.State())
			if c.wantRun == "late throw" {
				var pe *tasklet.PanicError
				require.ErrorAs(t, err, &pe)
				assert.ErrorIs(t, pe.Value.(error), errLate)
			}
			// once it has died, a throw is an error and a kill a no-op
			assert.ErrorIs(t, a.Throw(errLate), tasklet.ErrDead)
			assert.NoError(t, a.Kill())
		})
	}
}
