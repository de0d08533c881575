// Frame: running every runnable tasklet once per frame under a frame
// budget, with strikes against runaways across frames.

package watchdog

import (
	"errors"
	"time"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// FrameConfig configures a Frame. The zero value runs every runnable
// tasklet once per frame with no budget and kills nobody.
type FrameConfig struct {
	// Budget is the most one frame may take, from the start of Run: a
	// tasklet still running then is cut at its next tick (or operation that
	// counts a tick) and stays at the front of the run queue, with every
	// tasklet not stepped yet; they run first in the next frame. 0: none.
	Budget time.Duration
	// Slice is the most one tasklet may run without switching, in wall
	// time. A tasklet interrupted at its slice's end has overrun: it gets a
	// strike and waits for the next frame. 0: none.
	Slice time.Duration
	// SliceTicks is Slice in ticks (scheduler.TickBudget). 0: none.
	SliceTicks int64
	// Strikes kills a tasklet that has overrun its slice Strikes times
	// within the last Window frames (this one included); its deferred
	// cleanup runs. Strikes survive from one frame to the next. 0: never
	// kill.
	Strikes int
	// Window is the number of frames strikes count over; 0 means
	// forever.
	Window int
}

// ErrBadFrame is returned by NewFrame for a negative figure in a
// FrameConfig.
var ErrBadFrame = errors.New("watchdog: negative frame budget, slice or strike count")

// ErrFrameClosed is returned by Frame.Run after Close.
var ErrFrameClosed = errors.New("watchdog: frame closed")

// Frame steps a scheduler's tasklets one frame at a time, the way a game
// server's frame loop steps its entities: each call to Run runs every
// tasklet that is runnable when it starts at most once, under a slice per
// tasklet and a deadline for the whole frame, and applies the strike policy
// to the tasklets that overran their slice.
//
// Stepping: Run puts a mark at the end of the run queue and runs the
// scheduler until the mark is reached. So a tasklet that yields
// (t.Schedule()) ends its step and runs again in the next frame, as does a
// tasklet inserted or woken by a tasklet of the same scheduler (both join
// the end of the run queue, behind the mark), and a tasklet that overran
// its slice. A tasklet woken from outside the scheduler during the frame (a
// message from another scheduler or goroutine, a Blocking call's result)
// joins the queue right after the running tasklet, ahead of the mark: it
// runs in this frame if the wake-up arrives before the mark is reached (and
// before the deadline), else first thing in the next one. A timer that has
// fallen due is fired at the next switch, the same way. A channel handoff
// that switches to the receiver (channel preference) ends the sender's
// step.
//
// The mark is a tasklet of the scheduler, named "watchdog.Frame": it shows
// in Snapshot, and is killed by Close (or by the scheduler's Close).
//
// A Frame is used from the scheduler's main tasklet (the goroutine that
// drives it), one Run at a time; it must not be copied.
type Frame struct {
	s       *scheduler.Scheduler
	cfg     FrameConfig
	mark    *tasklet.Tasklet
	passed  bool // the mark ran this frame
	n       int  // frames run
	strikes map[*tasklet.Tasklet][]int
	closed  bool
}

// FrameReport says what one Frame.Run did.
type FrameReport struct {
	Frame    int           // the frame's number, from 0
	Elapsed  time.Duration // wall time of the Run
	Switches uint64        // switches made: at least one per tasklet that ran
	// Interrupted counts the watchdog's interrupts: slice overruns and the
	// cut of the frame's deadline.
	Interrupted int
	// Overran lists the tasklets interrupted at their slice's end, in
	// order (a tasklet twice if it overran twice); each got a strike.
	Overran []*tasklet.Tasklet
	// Killed lists the tasklets killed as runaways (Strikes).
	Killed []*tasklet.Tasklet
	// Late is set when the deadline ended the frame before every tasklet
	// had its step: the tasklet it cut and those not stepped yet run first
	// in the next frame.
	Late bool
	// Runnable is the number of tasklets runnable at the end of the frame
	// (main aside): they run in the next frame.
	Runnable int
}

// NewFrame returns a Frame that steps s's tasklets with cfg. It makes the
// mark tasklet (see Frame). Errors: ErrNilScheduler, ErrBadFrame, or the
// error of making the mark (scheduler.Scheduler.NewTasklet).
func NewFrame(s *scheduler.Scheduler, cfg FrameConfig) (*Frame, error) {
	if s == nil {
		return nil, ErrNilScheduler
	}
	if cfg.Budget < 0 || cfg.Slice < 0 || cfg.SliceTicks < 0 || cfg.Strikes < 0 || cfg.Window < 0 {
		return nil, ErrBadFrame
	}
	f := &Frame{s: s, cfg: cfg, strikes: make(map[*tasklet.Tasklet][]int)}
	main := s.Main()
	mark, err := s.NewTasklet("watchdog.Frame", func(t *tasklet.Tasklet) {
		for {
			f.passed = true
			// Switching to main, waiting in Run, makes its Run return;
			// the mark is paused until the next frame inserts it.
			if t.Switch(main) != nil {
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	f.mark = mark
	return f, nil
}

// Run runs one frame (see Frame) from the scheduler's main tasklet and
// reports what happened. It returns the first uncaught error of a tasklet
// (see scheduler.Scheduler.Run) with the report so far; the frame is then
// over, and the next Run starts a new one.
func (f *Frame) Run() (r FrameReport, err error) {
	start := time.Now()
	r.Frame = f.n
	if f.closed {
		return r, ErrFrameClosed
	}
	f.n++
	before := f.s.Stats()
	defer func() {
		after := f.s.Stats()
		r.Switches = after.Switches - before.Switches
		r.Interrupted = int(after.Interrupts - before.Interrupts)
		r.Runnable = max(after.RunCount-1, 0) // main runs
		r.Elapsed = time.Since(start)
	}()
	opts := make([]scheduler.RunOption, 0, 3)
	if f.cfg.Budget > 0 {
		opts = append(opts, scheduler.Deadline(start.Add(f.cfg.Budget)))
	}
	if f.cfg.Slice > 0 {
		opts = append(opts, scheduler.TimeBudget(f.cfg.Slice))
	}
	if f.cfg.SliceTicks > 0 {
		opts = append(opts, scheduler.TickBudget(f.cfg.SliceTicks))
	}
	f.passed = false
	if err := f.mark.Insert(); err != nil {
		return r, err
	}
	for {
		victim, err := f.s.Run(opts...)
		if err != nil {
			f.endFrame()
			return r, err
		}
		if victim == nil {
			break
		}
		r.Overran = append(r.Overran, victim)
		if f.strike(victim) {
			if err := f.s.Main().KillNow(victim); err != nil {
				f.endFrame()
				return r, err
			}
			r.Killed = append(r.Killed, victim)
			delete(f.strikes, victim)
			continue
		}
		if err := victim.Insert(); err != nil { // behind the mark: the next frame
			f.endFrame()
			return r, err
		}
	}
	r.Late = !f.passed
	f.endFrame()
	f.forget()
	return r, nil
}

// endFrame takes the mark out of the run queue if the frame ended before
// it ran.
func (f *Frame) endFrame() {
	if f.mark.Scheduled() {
		_ = f.mark.Remove()
	}
}

// strike records an overrun of t in the current frame and reports whether
// t is to be killed.
func (f *Frame) strike(t *tasklet.Tasklet) bool {
	frame := f.n - 1
	hist := append(f.strikes[t], frame)
	if f.cfg.Window > 0 {
		i := 0
		for i < len(hist) && hist[i] <= frame-f.cfg.Window {
			i++
		}
		hist = hist[i:]
	}
	f.strikes[t] = hist
	return f.cfg.Strikes > 0 && len(hist) >= f.cfg.Strikes
}

// forget drops the strikes of tasklets that have ended, and those older
// than the window.
func (f *Frame) forget() {
	for t, hist := range f.strikes {
		if !t.Alive() || (f.cfg.Window > 0 && hist[len(hist)-1] <= f.n-1-f.cfg.Window) {
			delete(f.strikes, t)
		}
	}
}

// StrikesOf returns the strikes t has within the window.
func (f *Frame) StrikesOf(t *tasklet.Tasklet) int {
	n := 0
	for _, fr := range f.strikes[t] {
		if f.cfg.Window == 0 || fr > f.n-1-f.cfg.Window {
			n++
		}
	}
	return n
}

// Close kills the Frame's mark tasklet (its cleanup is the Frame's); Run
// then returns ErrFrameClosed. Call it from the scheduler's main tasklet.
// Closing twice does nothing.
func (f *Frame) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if !f.mark.Alive() {
		return nil
	}
	return f.s.Main().KillNow(f.mark)
}
