package scheduler

import (
	"sync"

	"github.com/stackless-go/stackless/tasklet"
)

// A Waker is a goroutine's promise that it may still make one of a
// scheduler's tasklets runnable (through a channel, a lock, Insert, Kill...).
// While a Waker is held, the scheduler waits for it instead of reporting a
// deadlock when nothing else can wake it: hold one in code that creates
// short-lived schedulers to call in (network readers, cgo callbacks), across
// the gaps when none of them exists. Release it when done; Release is
// idempotent. A Waker must not be copied.
type Waker struct {
	s    *Scheduler
	once sync.Once
}

// Waker returns a held Waker for s. Safe from any goroutine.
func (s *Scheduler) Waker() (*Waker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing {
		return nil, tasklet.ErrSchedulerClosed
	}
	s.wakers++
	return &Waker{s: s}, nil
}

// Release gives the promise up. If it was all that kept the scheduler
// waiting, the scheduler re-checks, and may report a deadlock.
func (w *Waker) Release() {
	w.s.mu.Lock()
	w.releaseLocked()
	w.s.mu.Unlock()
}

// releaseLocked is Release with w.s's mu held.
func (w *Waker) releaseLocked() {
	w.once.Do(func() {
		w.s.wakers--
		w.s.wakeLocked()
	})
}

// Go runs fn on a new goroutine that counts as a possible waker of s (it
// holds a Waker) until fn returns: a plain helper goroutine that will Set an
// Event, send with channel.Offer or SendOutside, or Insert a tasklet of s
// later, so that s waits for it instead of reporting a false deadlock. The
// Waker is released when fn returns, panics or calls runtime.Goexit; if
// that leaves s with nothing that could wake its blocked tasklets, the
// deadlock is reported then. It returns tasklet.ErrNilFunc for a nil fn and
// ErrSchedulerClosed once Close has started (fn does not run). Safe from any
// goroutine.
func (s *Scheduler) Go(fn func()) error {
	if fn == nil {
		return tasklet.ErrNilFunc
	}
	w, err := s.Waker()
	if err != nil {
		return err
	}
	go func() {
		defer w.Release()
		fn()
	}()
	return nil
}
