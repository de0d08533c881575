package scheduler

import (
	"time"
)

// monitor is a scheduler's watchdog goroutine. It raises the alarm when a
// wall-time budget or a deadline runs out (ticks read the flag; their slow
// path reads the clock too, see clockCheckLocked)
// and reports, once, a tasklet that runs longer than the stall threshold
// without reaching a tick or a switch: such a tasklet cannot be preempted,
// but it must not go unseen.
//
// Invariants: it is started at most once per scheduler, under mu, and
// stopped by Close. It sleeps on nudge while there is nothing to watch. It
// reads the scheduler only through atomics and under mu.
type monitor struct {
	nudge chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

// nudgeMonitor starts the monitor if needed and tells it to look at the
// budget again. Called with s.mu held.
func (s *Scheduler) nudgeMonitor() {
	if s.monitor == nil {
		s.monitor = &monitor{nudge: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
		go s.watch(s.monitor)
	}
	select {
	case s.monitor.nudge <- struct{}{}:
	default:
	}
}

func (s *Scheduler) stopMonitor() {
	s.mu.Lock()
	m := s.monitor
	s.mu.Unlock()
	if m != nil {
		close(m.stop)
		<-m.done
	}
}

func (s *Scheduler) watch(m *monitor) {
	defer close(m.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var lastProgress uint64
	lastChange := monotonic()
	reported := false
	for {
		s.mu.Lock()
		cfg, timed := s.budget.cfg, s.budget.armed && (s.budget.cfg.time > 0 || s.budget.cfg.deadline)
		stallAfter := s.stallAfter
		s.mu.Unlock()
		if !timed && stallAfter == 0 {
			select {
			case <-m.nudge:
				continue
			case <-m.stop:
				return
			}
		}
		period := time.Duration(1<<63 - 1)
		if timed && cfg.time > 0 {
			period = max(cfg.time/8, 20*time.Microsecond)
		}
		if timed && cfg.deadline {
			period = min(period, max(time.Duration(cfg.until-monotonic()), 20*time.Microsecond))
		}
		if stallAfter > 0 {
			period = min(period, max(stallAfter/4, time.Millisecond))
		}
		timer.Reset(period)
		select {
		case <-m.stop:
			return
		case <-m.nudge:
		case <-timer.C:
		}
		now := monotonic()
		if timed && cfg.time > 0 {
			start := s.sliceStart.Load()
			if cfg.total {
				start = s.runStart.Load()
			} else if start == unknownStart {
				// The slice has not read the clock yet: see clockedSliceLocked.
				s.sliceStart.CompareAndSwap(unknownStart, now)
				start = s.sliceStart.Load()
			}
			if time.Duration(now-start) >= cfg.time {
				s.alarm.Store(true)
			}
		}
		if timed && cfg.deadline && now >= cfg.until {
			s.alarm.Store(true)
		}
		if stallAfter > 0 {
			if p := s.progress.Load(); p != lastProgress {
				lastProgress, lastChange, reported = p, now, false
			} else if !reported && time.Duration(now-lastChange) >= stallAfter {
				reported = s.reportStall(time.Duration(now - lastChange))
			}
		}
	}
}

// reportStall logs the running tasklet with its stack, if one is running.
func (s *Scheduler) reportStall(d time.Duration) bool {
	s.mu.Lock()
	e := s.cur
	var gid int64
	if e != nil && e.w != nil {
		gid = e.w.gid.Load()
	}
	running := e != nil && !e.main && s.nap.Load() == awake
	s.mu.Unlock()
	if !running {
		return false
	}
	s.stalls.Inc()
	s.log.Warn().
		Uint64("scheduler", s.id).
		Uint64("tasklet_id", e.t.ID()).
		Str("tasklet", e.t.Name()).
		Dur("running_for", d).
		Str("stack", goroutineStacks()[gid]).
		Msg("stall: tasklet runs without reaching a tick or a switch")
	return true
}
