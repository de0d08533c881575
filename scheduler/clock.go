package scheduler

import (
	"sync"
	"time"
)

// Clock is the source of time for a scheduler's timers (Sleep, timeouts).
// The default is the real clock; tests and simulations use a FakeClock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once after d.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer made by a Clock.
type Timer interface {
	// C returns the channel on which the time is sent when the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

type realClock struct{}

type realTimer struct{ t *time.Timer }

func (realClock) Now() time.Time                 { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }
func (r realTimer) C() <-chan time.Time          { return r.t.C }
func (r realTimer) Stop() bool                   { return r.t.Stop() }

// RealClock returns the clock that reads the system time.
func RealClock() Clock { return realClock{} }

// FakeClock is a Clock for tests and simulations. Time moves only when
// Advance is called or when a scheduler has nothing to do but wait for a
// timer: then the clock jumps straight to that timer's deadline, so code that
// sleeps runs instantly and deterministically. It cannot tell whether a
// goroutine outside the scheduler is about to wake it (a Waker's holder,
// another scheduler, a Blocking call): a scheduler that waits for both a
// timer and such a wake-up jumps too, and the wake-up lands after the
// timer in fake time. For code whose timing involves other goroutines, use
// the real clock under testing/synctest, whose fake time moves only when
// every goroutine of the test is blocked. Safe for concurrent use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a fake clock set to start.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// NewTimer jumps the clock forward by d and returns a timer that has fired:
// a scheduler only asks for a timer when it has nothing else to do.
func (c *FakeClock) NewTimer(d time.Duration) Timer {
	c.Advance(max(d, 0))
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return fakeTimer(ch)
}

type fakeTimer chan time.Time

func (f fakeTimer) C() <-chan time.Time { return f }
func (f fakeTimer) Stop() bool          { return false }
