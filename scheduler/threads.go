package scheduler

import (
	"errors"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/stackless-go/stackless/tasklet"
)

// Threads is a group of schedulers, each driven by a goroutine locked to an
// OS thread of its own (one scheduler per thread, as a game's main and
// worker threads or a messaging library's receive threads would be):
// started by StartThreads, ended by Wait.
//
// The zero value is not usable; a Threads must not be copied.
type Threads struct {
	scheds []*Scheduler
	holds  []*Waker
	errs   []error // per thread: New, setup, Run and Close errors; read after done
	done   sync.WaitGroup
}

// ErrBadThreadCount is returned by StartThreads for n < 1 or n > 10000
// (Go's default limit on OS threads, past which the process dies).
var ErrBadThreadCount = errors.New("scheduler: StartThreads needs at least one thread, and at most 10000")

// maxThreads is the most threads StartThreads starts: Go's default limit on
// OS threads (runtime/debug.SetMaxThreads).
const maxThreads = 10000

// StartThreads starts n goroutines, each locked to an OS thread of its own
// (runtime.LockOSThread) with a scheduler created on it with opts; setup(i,
// s) runs there, as s's main tasklet, to spawn thread i's tasklets.
//
// It returns once every scheduler exists and every setup has returned:
// that is the start-up barrier, and only then does any thread run a
// tasklet. Without it a thread whose tasklets wait for another thread's may
// find that thread's scheduler missing and return from Run(ThreadBlock())
// at once, its tasklets still blocked, or report a false deadlock. Each
// thread then runs its scheduler with Run(ThreadBlock()) until nothing can
// wake it any more, and closes it (its tasklets are killed; their cleanup
// runs). An uncaught error that reaches a thread's Run (a tasklet's panic,
// unless an error handler given in opts swallows it) ends that Run at once:
// the thread closes its scheduler, killing the tasklets left, and Wait
// returns the error.
//
// The group holds a Waker of every scheduler until Release (or Wait): code
// outside the group (a plain goroutine, a cgo callback) that will hand
// work to its tasklets keeps them waiting instead of deadlocked until it
// calls Release.
//
// A nil setup is tasklet.ErrNilFunc, n < 1 or n > 10000 ErrBadThreadCount.
// If a New or a setup fails, no thread runs: every scheduler is closed, and
// the errors (joined) are returned with a nil *Threads. A setup that panics
// or calls runtime.Goexit fails with a *tasklet.PanicError (its Value: the
// panic value, or tasklet.ErrGoexit).
func StartThreads(n int, setup func(i int, s *Scheduler) error, opts ...Option) (*Threads, error) {
	if n < 1 || n > maxThreads {
		return nil, ErrBadThreadCount
	}
	if setup == nil {
		return nil, tasklet.ErrNilFunc
	}
	g := &Threads{scheds: make([]*Scheduler, n), errs: make([]error, n)}
	ready := make(chan int, n)
	start := make(chan bool, n) // true: run; false: abort
	g.done.Add(n)
	for i := range n {
		go g.thread(i, setup, opts, ready, start)
	}
	failed := false
	for range n {
		if i := <-ready; g.errs[i] != nil {
			failed = true
		}
	}
	if !failed {
		for _, s := range g.scheds {
			w, err := s.Waker()
			if err != nil { // cannot happen: nobody else closes them
				failed = true
				break
			}
			g.holds = append(g.holds, w)
		}
	}
	for range n {
		start <- !failed
	}
	if failed {
		g.Release()
		g.done.Wait()
		return nil, errors.Join(g.errs...)
	}
	return g, nil
}

// thread is the body of thread i: see StartThreads.
func (g *Threads) thread(i int, setup func(int, *Scheduler) error, opts []Option, ready chan<- int, start <-chan bool) {
	defer g.done.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s, err := New(opts...)
	if err != nil {
		g.errs[i] = err
		ready <- i
		<-start
		return
	}
	g.scheds[i] = s
	returned := false
	defer func() {
		if returned {
			return
		}
		// setup panicked or called runtime.Goexit: the other threads are
		// waiting at the barrier for this one. Report the fault as a
		// *tasklet.PanicError, which makes every thread abort, and close s
		// (its tasklets are killed). A panic is recovered; a Goexit goes
		// on once this returns, and ends only this goroutine.
		v := recover()
		if v == nil {
			v = tasklet.ErrGoexit
		}
		pe := &tasklet.PanicError{Tasklet: s.Main(), Value: v, Stack: debug.Stack()}
		g.errs[i] = pe
		ready <- i
		<-start
		if err := s.Close(); err != nil { // a tasklet that survived its kill
			g.errs[i] = errors.Join(pe, err)
		}
	}()
	g.errs[i] = setup(i, s)
	returned = true
	ready <- i
	run := <-start
	var errs []error
	if run {
		if _, err := s.Run(ThreadBlock()); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.Close(); err != nil {
		errs = append(errs, err)
	}
	if run {
		g.errs[i] = errors.Join(errs...)
	} else if g.errs[i] == nil {
		g.errs[i] = errors.Join(errs...)
	}
}

// Len returns the number of threads.
func (g *Threads) Len() int { return len(g.scheds) }

// Scheduler returns thread i's scheduler. Other goroutines may use it as
// any scheduler (Spawn, a Waker, Kill or Insert its tasklets, hand them
// values); only its own thread drives it: its Run and Close belong to the
// thread, which closes it itself once Run returns (called from another
// goroutine they are refused with tasklet.ErrNotCurrent). An i out of
// range [0, Len()) returns nil.
func (g *Threads) Scheduler(i int) *Scheduler {
	if i < 0 || i >= len(g.scheds) {
		return nil
	}
	return g.scheds[i]
}

// Release gives up the group's hold on its schedulers (see StartThreads):
// from then on a thread whose tasklets nothing else can wake ends. It is
// idempotent. Safe from any goroutine.
func (g *Threads) Release() {
	for _, w := range g.holds {
		w.Release()
	}
}

// Wait releases the group's hold and waits until every thread has closed
// its scheduler; it returns their Run and Close errors, joined (nil if
// none).
func (g *Threads) Wait() error {
	g.Release()
	g.done.Wait()
	return errors.Join(g.errs...)
}
