package scheduler

import (
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/stackless-go/stackless/tasklet"
)

// The options of New: each Option fills one field of a config value, which
// New validates in one place (config.validate) before the Scheduler exists.

// Option configures a Scheduler in New.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is a scheduler's options, immutable after New (Scheduler embeds
// it).
type config struct {
	name       string
	clock      Clock
	log        zerolog.Logger
	onSchedule func(prev, next *tasklet.Tasklet) // WithScheduleCallback
	onError    func(t *tasklet.Tasklet, err error) error
	stallAfter time.Duration // WithStallReport
	accounting bool          // WithRunTimeAccounting
	labels     bool          // WithProfilerLabels

	// Derived by newConfig: run-time accounting or a stall report, which
	// make every switch take makeCurrentLocked's slow path.
	switchExtras bool

	// An option was given an invalid value (validate reports it, whatever
	// options follow).
	nilClock, nilCallback, nilHandler, badStall bool
}

// defaultConfig is the configuration of New without options.
func defaultConfig() config {
	return config{clock: realClock{}, log: zerolog.Nop()}
}

// newConfig applies opts over the defaults and validates the result.
func newConfig(opts []Option) (config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return config{}, ErrNilOption
		}
		o.apply(&c)
	}
	c.switchExtras = c.accounting || c.stallAfter > 0
	return c, c.validate()
}

// validate reports the first invalid option.
func (c *config) validate() error {
	switch {
	case c.nilClock:
		return ErrNilClock
	case c.nilCallback, c.nilHandler:
		return tasklet.ErrNilFunc
	case c.badStall:
		return ErrBadBudget
	}
	return nil
}

// ErrNilClock is returned by New when WithClock is given nil.
var ErrNilClock = errors.New("scheduler: nil clock")

// ErrNilOption is returned by New when one of its options is nil.
var ErrNilOption = errors.New("scheduler: nil option")

// WithLogger sets the logger for uncaught panics, deadlocks, watchdog
// interrupts and stalls. The default logs nothing.
func WithLogger(l zerolog.Logger) Option {
	return optionFunc(func(c *config) { c.log = l })
}

// WithClock sets the clock for Sleep and timeouts (default: the real clock).
func WithClock(c Clock) Option {
	return optionFunc(func(cfg *config) { cfg.clock, cfg.nilClock = c, cfg.nilClock || c == nil })
}

// WithName names the scheduler in logs and snapshots.
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}

// WithScheduleCallback installs fn, called before every switch between two
// tasklets with the tasklet leaving (prev) and the one about to run (next).
// When nothing is runnable and the scheduler sleeps, main counts as running
// (its Run waits): fn sees (prev, main) before the sleep and (main, next)
// after it, as in Stackless. fn runs on a coroutine of the scheduler's own (which costs two coroutine
// switches per call), so a panic or a runtime.Goexit in it is logged and
// ignored and never ends the switching tasklet or the driver. fn must not
// switch tasklets (such calls fail with ErrInCallback). A tasklet that fn
// makes runnable (Insert, a pending Kill or Throw) during the switch that
// ends a Run, back to its caller, runs at the next Run: that Run has
// returned already (a kill cancels the tasklet's context at once all the
// same).
func WithScheduleCallback(fn func(prev, next *tasklet.Tasklet)) Option {
	return optionFunc(func(c *config) { c.onSchedule, c.nilCallback = fn, c.nilCallback || fn == nil })
}

// WithErrorHandler installs fn, called in the dying tasklet's context with
// the uncaught error (a *tasklet.PanicError) of a tasklet. fn returns nil to
// swallow the error, or the error (possibly replaced) to deliver to the
// innermost Run caller, or to main if none.
//
// The context is well defined for every tasklet, including one that dies
// of a throw before its first instruction: fn runs on the dying tasklet's
// own coroutine, as the running tasklet, after its body and its deferred
// calls. It may use t's operations as the body could (Schedule, Sleep,
// channels, locks); other tasklets run meanwhile, and the error is delivered
// when fn returns. A kill that reaches t while fn waits ends t silently
// (the error is dropped), and so does t.Kill() called in fn, at once (fn
// runs as t: see tasklet.Tasklet.Kill); t.Throw(err2) in fn returns err2 to fn, but a
// Throw from elsewhere is refused (tasklet.ErrDead): t's body has ended.
// A panic or a runtime.Goexit in fn replaces the error with a
// *tasklet.PanicError (Value: the panic value, or tasklet.ErrGoexit). fn
// is not called on the way out of a runtime.Goexit of t's body (it could
// not run there): a throw that reached t after its last switch point is
// then its uncaught error as it is.
func WithErrorHandler(fn func(t *tasklet.Tasklet, err error) error) Option {
	return optionFunc(func(c *config) { c.onError, c.nilHandler = fn, c.nilHandler || fn == nil })
}

// WithStallReport starts the scheduler's monitor goroutine, which reports
// (through the logger, with the tasklet's stack, once per stall) a tasklet
// that runs longer than d without reaching a tick or a switch, and counts it
// in Stats().Stalls.
func WithStallReport(d time.Duration) Option {
	return optionFunc(func(c *config) { c.stallAfter, c.badStall = d, c.badStall || d <= 0 })
}

// WithRunTimeAccounting makes the scheduler measure how long each tasklet
// runs (TaskletInfo.RunTime), at the cost of a clock read per switch.
func WithRunTimeAccounting() Option {
	return optionFunc(func(c *config) { c.accounting = true })
}

// WithProfilerLabels labels each tasklet's goroutine with pprof labels
// (scheduler, tasklet id, name), so CPU and goroutine profiles attribute work
// to tasklets. It costs an allocation each time a tasklet starts.
func WithProfilerLabels() Option {
	return optionFunc(func(c *config) { c.labels = true })
}
