package scheduler_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// adv4HookClock is a FakeClock whose Now/NewTimer run a hook once: code
// of the scheduler's clock, not of any tasklet, that may run on whatever
// goroutine the scheduler reads its clock from.
type adv4HookClock struct {
	*scheduler.FakeClock
	once  sync.Once
	armed func() bool
	hook  func()
}

func (c *adv4HookClock) NewTimer(d time.Duration) scheduler.Timer {
	if c.armed() {
		c.once.Do(c.hook)
	}
	return c.FakeClock.NewTimer(d)
}

// Kill or Throw issued from the scheduler's Clock while A sleeps (A is
// blocked, not running; the clock is no tasklet's code): the pending form.
// A's Sleep unwinds (kill) or returns the error (throw); the scheduler
// keeps working; Close is clean. SPEC 2: self Kill/Throw is only "called
// by the running tasklet t on itself".
func TestAdv4KillFromClock(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct{ name, what, target string }{
		{"kill-sleeper", "kill", "A"},
		{"throw-sleeper", "throw", "A"},
		{"kill-main", "kill", "main"},
		{"throw-main", "throw", "main"},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				var a *tasklet.Tasklet
				var s *scheduler.Scheduler
				clk := &adv4HookClock{FakeClock: scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
				clk.armed = func() bool { return a != nil && a.Blocked() }
				clk.hook = func() {
					tg := a
					if c.target == "main" {
						tg = s.Main()
					}
					var e error
					w := schedtest.Panicked(func() {
						if c.what == "kill" {
							e = tg.Kill()
						} else {
							e = tg.Throw(adv4ErrA)
						}
					})
					log.Add("clock %s %v %s", c.what, e, w)
				}
				var err error
				s, err = scheduler.New(scheduler.WithClock(clk))
				if !assert.NoError(t, err) {
					return
				}
				defer func() { log.Add("close %v", s.Close()) }()
				a, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					log.Add("A sleep %v", me.Sleep(time.Second))
				})
				require.NoError(t, err)
				w := schedtest.Panicked(func() {
					_, err := s.Run(scheduler.ThreadBlock())
					log.Add("run %v", err)
				})
				log.Add("run ended %s", w)
			})
			want := map[string][]string{
				"kill-sleeper":  {"clock kill <nil> none", "A defer", "run <nil>", "run ended none", "close <nil>"},
				"throw-sleeper": {"clock throw <nil> none", "A sleep adv4 A", "A defer", "run <nil>", "run ended none", "close <nil>"},
				"kill-main":     {"clock kill <nil> none", "A sleep <nil>", "A defer", "run ended kill", "close <nil>"},
				"throw-main":    {"clock throw <nil> none", "A sleep <nil>", "A defer", "run adv4 A", "run ended none", "close <nil>"},
			}[c.name]
			if want != nil {
				assert.Equal(t, want, log.Log())
				return
			}
			// main: the kill or throw is pending for main (waiting in Run):
			// never raised inside the clock call
			ev := log.Log()
			t.Logf("%q", ev)
			assert.Equal(t, "clock "+c.what+" <nil> none", ev[0])
			assert.Equal(t, "close <nil>", ev[len(ev)-1])
		})
	}
}
