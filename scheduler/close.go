package scheduler

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Close: killing every tasklet so that its deferred cleanup runs, in rounds
// until they are dead or the survivors are abandoned and reported.

// maxCloseRounds bounds how often in a row Close kills tasklets without
// any of them dying: a tasklet that recovers every kill and keeps running is
// abandoned after that many rounds.
const maxCloseRounds = 100

// ErrSurvivors matches (with errors.Is) the *CloseError that Close returns
// when some tasklets survived every kill.
var ErrSurvivors = errors.New("scheduler: tasklets survived Close")

// CloseError reports the tasklets that Close could not kill: each recovered
// every kill it was sent. On says why each is still alive (what it waits
// on, or that it is paused). Close has taken each out of whatever it waited
// on, so nothing can be handed to it any more (a send that would have
// reached it now finds no receiver), and it never runs again: its goroutine
// stays parked. It matches ErrSurvivors with errors.Is.
type CloseError struct {
	Survivors []tasklet.Waiting
}

// Error names every survivor and why it is alive.
func (e *CloseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scheduler: %d tasklet(s) survived every kill at Close:", len(e.Survivors))
	for _, w := range e.Survivors {
		fmt.Fprintf(&b, " [%v: %s]", w.Tasklet, w.On)
	}
	return b.String()
}

// Is reports whether target is ErrSurvivors.
func (e *CloseError) Is(target error) bool { return target == ErrSurvivors }

// Close kills every tasklet of the scheduler (their deferred cleanup runs),
// releases its coroutines and unregisters it. Afterwards operations on its
// tasklets fail with ErrSchedulerClosed or ErrDead. Only the main tasklet may
// call Close, and not from a schedule callback (ErrInCallback); closing
// twice returns ErrSchedulerClosed. Once Close has started, Spawn,
// NewTasklet, Waker and Blocking fail with ErrSchedulerClosed.
//
// Close returns only when every tasklet is dead, or with an error matching
// ErrSurvivors (a *CloseError, naming each tasklet that recovered every kill
// and why it is alive), joined with the uncaught errors delivered while the
// tasklets unwound. It never returns nil with a tasklet alive.
func (s *Scheduler) Close() error {
	s.mu.Lock()
	switch {
	case s.closed || s.closing:
		s.mu.Unlock()
		return tasklet.ErrSchedulerClosed
	case s.inCallback.Load():
		s.mu.Unlock()
		return tasklet.ErrInCallback
	case s.cur != s.main || currentG() != s.driverG: // main's goroutine only, always checked
		s.mu.Unlock()
		return tasklet.ErrNotCurrent
	}
	s.closing = true // from now on nothing new joins: see spawn, Waker, Blocking
	// Tasklets waiting in a nested Run return from it (and are killed
	// below); main keeps running at the front of the ring.
	for len(s.frames) > 0 {
		f := s.frames[len(s.frames)-1]
		f.err = tasklet.ErrSchedulerClosed
		s.ring.pushBack(s.endFrameLocked(f))
	}
	s.mu.Unlock()
	errs := s.killAll()
	s.mu.Lock()
	if err := s.main.delivered(); err != nil {
		// An uncaught error that reached main after its last switching
		// call: report it rather than lose it.
		errs = append(errs, err)
		s.main.c.deliver = nil
		s.main.updateSigLocked()
	}
	s.mu.Unlock()
	s.workers.Wait() // Blocking calls: their contexts were cancelled by the kills
	s.stopMonitor()
	s.mu.Lock()
	s.closed = true
	free := s.free
	s.free = nil
	s.leaveIdleLocked()
	s.mu.Unlock()
	for _, w := range free {
		w.stopped = true
		w.stop()
	}
	s.closeHook()
	unregisterScheduler(s)
	return errors.Join(errs...)
}

// killAll is Close's main part: it kills every tasklet and runs the
// scheduler until they are dead, or reports the survivors. It is a function
// of its own so that Close keeps a small frame: an upcall through a fresh
// scheduler (a goroutine that creates one, sends and closes it) then fits
// in a new goroutine's first stack, instead of copying it at every call.
func (s *Scheduler) killAll() []error {
	// Kill every tasklet, then run until their deferred cleanup is done.
	// Cleanup may block on something another scheduler provides: wait for
	// it (thread-block) rather than kill it again. A tasklet whose wait a
	// partner has already taken (a plain goroutine's Event.Set between its
	// dequeue and its Ready) keeps its kill pending and is about to be
	// readied: wait for that wake-up, it is no failed round. Tasklets still
	// alive when nothing can wake them any more (a stuck cleanup, or one that
	// recovered its kill) are killed again; after maxCloseRounds rounds in a
	// row in which nobody died, the survivors are abandoned and reported.
	var errs []error
	var survivors []tasklet.Waiting
	last, stuck, waits := -1, 0, 0
	for {
		s.mu.Lock()
		n, taken := s.closeVictimsLocked()
		if n < last {
			stuck, waits = 0, 0 // progress
		}
		last = n
		switch {
		case n == 0:
			s.mu.Unlock()
		case taken && waits < maxTakenWaits:
			waits++
			s.awaitReadyLocked()
		case taken || stuck >= maxCloseRounds:
			survivors = s.abandonLocked()
			s.mu.Unlock()
		default:
			stuck++
			var victims []*entry
			for e := s.all; e != nil; e = e.nextAll {
				if e != s.main {
					victims = append(victims, e)
				}
			}
			s.mu.Unlock()
			for _, v := range victims {
				_ = v.Raise(nil, nil)
			}
		}
		if n == 0 || survivors != nil {
			break
		}
		if _, err := s.Run(ThreadBlock()); err != nil {
			errs = append(errs, err)
		}
	}
	if len(survivors) > 0 {
		for _, w := range survivors {
			s.log.Error().Stringer("tasklet", w.Tasklet).Str("on", w.On).Msg("tasklet survived every kill at Close; abandoning it")
		}
		errs = append([]error{&CloseError{Survivors: survivors}}, errs...)
	}
	return errs
}

// maxTakenWaits bounds how often Close waits for the partner that took a
// tasklet's wait to ready it (about a millisecond each when no other
// scheduler is awake).
const maxTakenWaits = 2000

// closeVictimsLocked counts the tasklets Close still has to kill, and
// reports whether one of them is taken: blocked with its kill pending
// because a partner has taken its wait (Cancel failed) and is about to
// ready it.
func (s *Scheduler) closeVictimsLocked() (n int, taken bool) {
	for e := s.all; e != nil; e = e.nextAll {
		if e == s.main {
			continue
		}
		n++
		if e.st == tasklet.Blocked && (e.kill || e.throwErr != nil) && e.inRun() == nil {
			taken = true
		}
	}
	return n, taken
}

// awaitReadyLocked waits, for Close, until a taken tasklet is readied:
// while another scheduler is awake, s sleeps counted idle (the partner may
// be stuck on that scheduler, which then reports its deadlock); otherwise
// (the partner is a plain goroutine between its dequeue and its Ready) for
// a millisecond. It returns with s.mu released.
func (s *Scheduler) awaitReadyLocked() {
	if othersAwake(registry.counts.Load()) && s.sleepLocked(-1, true) {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	time.Sleep(time.Millisecond)
}

// abandonLocked gives up on the tasklets that survived every kill of
// Close and returns them with why they are alive. Each is taken out of
// whatever it waited on, so that nothing can be handed to it any more.
func (s *Scheduler) abandonLocked() []tasklet.Waiting {
	var out []tasklet.Waiting
	for e := s.all; e != nil; e = e.nextAll {
		if e == s.main {
			continue
		}
		why := "recovered every kill; "
		switch e.st {
		case tasklet.Blocked:
			on := s.describeLocked(e)
			switch {
			case e.inRun() != nil:
				why += on
			case e.blockedOn.Cancel(&e.tk, tasklet.ErrSchedulerClosed):
				why += "was " + on
				s.disarmLocked(e)
				e.blockedOn = abandoned{on}
			default:
				// Its kill never reached it: it is still pending.
				why = on + ", taken by a partner that never readied it (its kill is pending)"
			}
		case tasklet.Scheduled:
			s.ring.remove(e)
			e.setState(tasklet.Paused)
			why += "runnable"
		default:
			why += "paused"
		}
		out = append(out, tasklet.Waiting{Tasklet: e.t, On: why})
	}
	return out
}

// abandoned is what a tasklet Close gave up on stays blocked on: nothing
// can cancel or ready it.
type abandoned struct{ on string }

func (abandoned) Cancel(*core.Task, error) bool { return false }

func (a abandoned) Describe(*core.Task) string { return "abandoned by Close (was " + a.on + ")" }
