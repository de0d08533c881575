package scheduler_test

// Adversarial tests (adv9) of scheduler.Context(t): "A kill cancels it as
// soon as it takes effect (it is accepted by a live tasklet) ... and for
// good"; "The cause is one fact of t's history: a context asked for later
// (after the kill, or after t's death) has the same." Each case takes
// Context(A) at several points of A's life (before it starts, while it
// runs, right after a kill is accepted, after its death) and every one must
// be cancelled with the same cause. Black-box: public API, SPEC and doc
// comments only.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errAdv9 = errors.New("adv9 throw")

// adv9Probe collects the contexts of one tasklet taken at named points.
type adv9Probe struct {
	mu   sync.Mutex
	a    *tasklet.Tasklet
	ctxs []adv9Taken
}

type adv9Taken struct {
	at  string
	ctx context.Context
}

// take records Context(A) at a point of A's history.
func (p *adv9Probe) take(at string) context.Context {
	ctx := scheduler.Context(p.a)
	p.mu.Lock()
	p.ctxs = append(p.ctxs, adv9Taken{at, ctx})
	p.mu.Unlock()
	return ctx
}

// adv9Done tells whether ctx is cancelled now, without waiting.
func adv9Done(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

type adv9CtxCase struct {
	name  string
	run   string // Run's (or Close's) error, adv8Value form
	cause string // Context(A)'s cause wherever it is taken
	// body sets p.a, drives the scheduler and returns the error to check
	// against run; log lines go to r.
	body func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error
	log  []string // the exact log, if not nil
	// opts gives the scheduler's options, if any.
	opts func(p *adv9Probe, r *recorder) []scheduler.Option
}

var adv9CtxCases = []adv9CtxCase{{
	// SPEC 2: "On a dead target: Kill is a no-op". The refused kill is no
	// fact of A's history.
	name: "kill refused: dead after its body returned", run: "<nil>", cause: "ErrEnded",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) { p.take("A runs"); r.Add("A returns") })
		p.take("before A starts")
		_, err := s.Run()
		r.Add("Kill after death %s", adv8Value(p.a.Kill()))
		p.take("after the refused kill")
		return err
	},
	log: []string{"A returns", "Kill after death <nil>"},
}, {
	// A kill that reaches the error handler of a tasklet whose body panicked
	// "ends t silently (the error is dropped)" (WithErrorHandler); unlike a
	// Throw (ErrDead) it is accepted, by a tasklet still alive: ErrKilled,
	// for the context taken in the handler before the kill too, and Run
	// gets nothing.
	name: "kill into a waiting error handler from another tasklet", run: "<nil>", cause: "ErrKilled",
	opts: func(p *adv9Probe, r *recorder) []scheduler.Option {
		return []scheduler.Option{scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
			defer func() { r.Add("handler ends") }()
			p.take("in the handler")
			r.Add("handler %s", adv8Value(err))
			_ = tk.Schedule()
			r.Add("handler not killed")
			return err
		})}
	},
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) { p.take("A runs"); panic("boom") })
		spawn(t, s, "K", func(me *tasklet.Tasklet) {
			// A ran first: its handler waits in Schedule now
			r.Add("K kills %s", adv8Value(p.a.Kill()))
			p.take("after K's kill")
		})
		p.take("before A starts")
		_, err := s.Run()
		return err
	},
	log: []string{"handler panic: boom", "K kills <nil>", "handler ends"},
}, {
	name: "kill before the first instruction (spawned)", run: "<nil>", cause: "ErrKilled",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) { r.Add("A runs") })
		p.take("before the kill")
		r.Add("kill %s", adv8Value(p.a.Kill()))
		ctx := p.take("right after the kill")
		r.Add("cancelled at once %v", adv9Done(ctx))
		_, err := s.Run()
		return err
	},
	log: []string{"kill <nil>", "cancelled at once true"},
}, {
	name: "kill before the first instruction (new, never inserted)", run: "<nil>", cause: "ErrKilled",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		a, err := s.NewTasklet("A", func(me *tasklet.Tasklet) { r.Add("A runs") })
		require.NoError(t, err)
		p.a = a
		p.take("while new")
		r.Add("kill %s", adv8Value(a.Kill()))
		ctx := p.take("right after the kill")
		r.Add("cancelled at once %v", adv9Done(ctx))
		_, err = s.Run()
		return err
	},
	log: []string{"kill <nil>", "cancelled at once true"},
}, {
	name: "Close kills a blocked tasklet", run: "<nil>", cause: "ErrKilled",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		ch := channel.New[int]()
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
			defer func() { r.Add("A unwinds, cancelled %v", adv9Done(p.take("A's defer"))) }()
			p.take("A runs")
			_, _ = ch.Receive(me)
			r.Add("A received")
		})
		_, err := s.Run()
		require.NoError(t, err)
		p.take("before Close")
		return s.Close()
	},
	log: []string{"A unwinds, cancelled true"},
}, {
	// KillNow (immediate form) from a tasklet; A recovers the kill and then
	// dies of a throw: ErrKilled "whatever t dies of later".
	name: "KillNow recovered, then dies of a throw", run: "panic: adv9 throw", cause: "ErrKilled",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
			p.take("A runs")
			func() {
				defer func() {
					r.Add("A recovered kill %v, cancelled %v", tasklet.IsKill(recover()), adv9Done(p.take("in the recovery")))
				}()
				_, _ = me.ScheduleRemove()
			}()
			_ = me.Schedule()
			p.take("running on")
			r.Add("A throws at itself")
			_ = me.Throw(errAdv9)
			panic(errAdv9)
		})
		spawn(t, s, "K", func(me *tasklet.Tasklet) {
			r.Add("K KillNow %s", adv8Value(me.KillNow(p.a)))
			p.take("after KillNow")
		})
		_, err := s.Run()
		return err
	},
	log: []string{"A recovered kill true, cancelled true", "K KillNow <nil>", "A throws at itself"},
}, {
	// A schedule callback kills A, paused in Schedule: the kill is
	// accepted there (pending), so the context is cancelled at once,
	// before A unwinds.
	name: "kill from a schedule callback", run: "<nil>", cause: "ErrKilled",
	opts: adv9CallbackOpts,
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
			defer func() { r.Add("A unwinds") }()
			p.take("A runs")
			_, _ = me.ScheduleRemove()
			r.Add("A not killed")
		})
		spawn(t, s, "B", func(me *tasklet.Tasklet) { r.Add("B runs") })
		spawn(t, s, "C", func(me *tasklet.Tasklet) { r.Add("C runs") })
		_, err := s.Run()
		return err
	},
	log: []string{"B runs", "callback kills <nil>, cancelled at once true", "C runs", "A unwinds"},
}, {
	// A tasklet blocked on s; a plain goroutine kills it while s naps in a
	// thread-block Run. The kill is accepted at once: the context is
	// cancelled before Kill's caller goes on, before A unwinds.
	name: "kill from a goroutine while the scheduler naps", run: "<nil>", cause: "ErrKilled",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		ch := channel.New[int]()
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
			p.take("A runs")
			_, _ = ch.Receive(me)
		})
		require.NoError(t, s.Go(func() {
			for !p.a.Blocked() {
				time.Sleep(time.Millisecond)
			}
			err := p.a.Kill()
			r.Add("kill %s, cancelled at once %v", adv8Value(err), adv9Done(p.take("right after the kill")))
		}))
		_, err := s.Run(scheduler.ThreadBlock())
		return err
	},
}, {
	// A tasklet of another scheduler kills A, blocked on a channel: the
	// pending form (SPEC 2), accepted as Kill returns.
	name: "kill from a tasklet of another scheduler", run: "<nil>", cause: "ErrKilled",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		ch := channel.New[int]()
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
			p.take("A runs")
			_, _ = ch.Receive(me)
			r.Add("A received")
		})
		_, err := s.Run()
		require.NoError(t, err)
		st := adv8OtherScheduler(t)
		res := st.do(func() error {
			err := p.a.Kill()
			r.Add("s2's tasklet kills, cancelled at once %v", adv9Done(p.take("on s2 right after the kill")))
			return err
		})
		st.stop()
		r.Add("kill %s", adv8Value(res))
		_, err = s.Run()
		return err
	},
	log: []string{"s2's tasklet kills, cancelled at once true", "kill <nil>"},
}, {
	// SPEC 2: a throw into a never-run tasklet "is reported as its uncaught
	// error"; no kill: the cause is that error.
	name: "throw before the first instruction", run: "panic: adv9 throw", cause: "panic: adv9 throw",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) { r.Add("A runs") })
		p.take("before the throw")
		r.Add("throw %s", adv8Value(p.a.Throw(errAdv9)))
		r.Add("cancelled by the throw %v", adv9Done(p.take("right after the throw")))
		_, err := s.Run()
		return err
	},
	log: []string{"throw <nil>", "cancelled by the throw false"},
}, {
	// WithErrorHandler: "t.Kill() called in fn" ends t silently, at once;
	// the handler runs as t, alive: the kill takes effect, the error is
	// dropped.
	name: "t.Kill() in its own error handler", run: "<nil>", cause: "ErrKilled",
	opts: func(p *adv9Probe, r *recorder) []scheduler.Option {
		return []scheduler.Option{scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
			defer func() { r.Add("handler unwinds, cancelled %v", adv9Done(p.take("in the handler's defer"))) }()
			p.take("in the handler")
			r.Add("handler %s", adv8Value(err))
			_ = tk.Kill()
			r.Add("handler not killed")
			return err
		})}
	},
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) { p.take("A runs"); panic("boom") })
		_, err := s.Run()
		return err
	},
	log: []string{"handler panic: boom", "handler unwinds, cancelled true"},
}, {
	// Close's kill is recovered once; A waits again and Close's next kill
	// ends it. Cancelled at the first kill, for good.
	name: "Close's kill recovered, then a second kill", run: "<nil>", cause: "ErrKilled",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		ch := channel.New[int]()
		p.a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
			defer func() { r.Add("A unwinds again, killed %v", tasklet.IsKill(recover())) }()
			p.take("A runs")
			func() {
				defer func() {
					r.Add("A recovered kill %v, cancelled %v", tasklet.IsKill(recover()), adv9Done(p.take("in the recovery")))
				}()
				_, _ = ch.Receive(me)
			}()
			_, _ = ch.Receive(me)
			r.Add("A received")
		})
		_, err := s.Run()
		require.NoError(t, err)
		p.take("before Close")
		return s.Close()
	},
	log: []string{"A recovered kill true, cancelled true", "A unwinds again, killed true"},
}, {
	// A new tasklet of s2 is adopted by s and killed there before its first
	// instruction, by a tasklet of s; its context was taken on s2.
	name: "Adopt then kill before the first instruction", run: "<nil>", cause: "ErrKilled",
	body: func(t *testing.T, s *scheduler.Scheduler, p *adv9Probe, r *recorder) error {
		s2 := newSched(t)
		a, err := s2.NewTasklet("A", func(me *tasklet.Tasklet) { r.Add("A runs") })
		require.NoError(t, err)
		p.a = a
		p.take("new on s2")
		require.NoError(t, s.Adopt(a))
		p.take("adopted by s")
		// K first in the run queue, so that A is killed before it runs.
		spawn(t, s, "K", func(me *tasklet.Tasklet) {
			r.Add("K KillNow %s", adv8Value(me.KillNow(p.a)))
		})
		require.NoError(t, a.Insert())
		_, err = s.Run()
		closeSched(t, s2)
		return err
	},
}}

// adv9CallbackOpts: a schedule callback kills A (paused in ScheduleRemove)
// as B switches away, once.
func adv9CallbackOpts(p *adv9Probe, r *recorder) []scheduler.Option {
	var once sync.Once
	return []scheduler.Option{scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
		if prev == nil || prev.Name() != "B" {
			return
		}
		once.Do(func() {
			err := p.a.Kill()
			r.Add("callback kills %s, cancelled at once %v", adv8Value(err), adv9Done(p.take("in the callback")))
		})
	})}
}

func TestAdv9ContextCauseOneFact(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range adv9CtxCases {
		t.Run(c.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			schedtest.Within(t, adv8Within, func() {
				var r recorder
				p := &adv9Probe{}
				var opts []scheduler.Option
				if c.opts != nil {
					opts = c.opts(p, &r)
				}
				s := newSched(t, opts...)
				err := c.body(t, s, p, &r)
				closed := strings.HasPrefix(c.name, "Close")
				assert.Equal(t, c.run, adv8Value(err), "Run's error; log %v", r.Log())
				assert.Equal(t, tasklet.Dead, p.a.State())
				p.take("after death")
				t.Logf("log: %v", r.Log())
				if c.log != nil {
					assert.Equal(t, c.log, r.Log())
				}
				for _, k := range p.ctxs {
					if assert.True(t, adv9Done(k.ctx), "context taken %s not cancelled", k.at) {
						assert.Equal(t, c.cause, adv8Value(context.Cause(k.ctx)), "cause of the context taken %s", k.at)
					}
				}
				if !closed {
					closeSched(t, s)
				}
			})
		})
	}
}

// A plain goroutine kills A, blocked, while its scheduler naps in a
// thread-block Run: the context is cancelled as Kill returns.
func TestAdv9ContextCancelledAsTheKillIsAccepted(t *testing.T) {
	defer goleak.VerifyNone(t)
	schedtest.Within(t, adv8Within, func() {
		var r recorder
		p := &adv9Probe{}
		s := newSched(t)
		var body func(*testing.T, *scheduler.Scheduler, *adv9Probe, *recorder) error
		for _, c := range adv9CtxCases {
			if c.name == "kill from a goroutine while the scheduler naps" {
				body = c.body
			}
		}
		require.NoError(t, body(t, s, p, &r))
		assert.Equal(t, []string{"kill <nil>, cancelled at once true"}, r.Log())
		assert.Equal(t, tasklet.Dead, p.a.State())
		closeSched(t, s)
	})
}
