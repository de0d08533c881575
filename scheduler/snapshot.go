package scheduler

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stackless-go/stackless/tasklet"
)

// Introspection: Snapshot, Stats and Dump.

// TaskletInfo describes one tasklet in a Snapshot.
type TaskletInfo struct {
	Tasklet   *tasklet.Tasklet
	ID        uint64
	Name      string
	State     tasklet.State
	Main      bool
	Atomic    bool
	WaitingOn string        // what a blocked tasklet waits on ("waiting in Run" for a Run caller)
	Ticks     uint64        // ticks counted up to its last switch
	RunTime   time.Duration // time it has run (with WithRunTimeAccounting)
	goroutine int64
}

// Snapshot describes every live tasklet of the scheduler, main first. Safe
// from any goroutine; the running tasklet's figures are those of its last
// switch.
func (s *Scheduler) Snapshot() []TaskletInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := func(e *entry) TaskletInfo {
		ti := TaskletInfo{
			Tasklet: e.t, ID: e.t.ID(), Name: e.t.Name(), State: e.st, Main: e.main,
			Atomic: e.t.Atomic(), Ticks: e.ticks,
		}
		if e.st == tasklet.Blocked || e.inRun() != nil {
			ti.WaitingOn = s.describeLocked(e)
		}
		if e.c != nil {
			ti.RunTime = time.Duration(e.c.runTime)
		}
		if e.w != nil {
			ti.goroutine = e.w.gid.Load()
		}
		return ti
	}
	out := []TaskletInfo{info(s.main)}
	for e := s.all; e != nil; e = e.nextAll {
		if e != s.main {
			out = append(out, info(e))
		}
	}
	return out
}

// Stats are a scheduler's counters.
type Stats struct {
	Switches   uint64 // switches between tasklets
	Interrupts uint64 // watchdog interrupts (hard and soft)
	Stalls     uint64 // stall reports
	Tasklets   int    // live tasklets, main excluded
	RunCount   int    // the run queue's length, the running tasklet included
}

// Stats returns the scheduler's counters. Safe from any goroutine.
func (s *Scheduler) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{
		Switches: s.switches, Interrupts: s.interrupts.Load(), Stalls: s.stalls.Load(),
		Tasklets: s.count, RunCount: s.ring.n,
	}
}

// Dump writes a Snapshot as a table, then the stack of every started
// tasklet (parked tasklets are suspended goroutines, so their stacks show
// where they wait). For operators and deadlock post-mortems. A tasklet's
// coroutine records which goroutine it is only from the first Dump on (or
// with WithStallReport), because finding out costs more than starting the
// coroutine: the stacks of coroutines started before are shown at the end,
// unattributed.
func (s *Scheduler) Dump(w io.Writer) error {
	snap := s.Snapshot()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "scheduler %d %s\n", s.id, s.name)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tATOMIC\tTICKS\tRUN TIME\tWAITING ON")
	for _, ti := range snap {
		name := ti.Name
		if ti.Main {
			name += " (main)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%d\t%v\t%s\n", ti.ID, name, ti.State, ti.Atomic, ti.Ticks, ti.RunTime, ti.WaitingOn)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s.stackIDs.Store(true)
	stacks := goroutineStacks()
	shown := map[int64]bool{}
	for _, ti := range snap {
		if st, ok := stacks[ti.goroutine]; ok && ti.goroutine != 0 {
			shown[ti.goroutine] = true
			if _, err := fmt.Fprintf(w, "\n-- %v --\n%s\n", ti.Tasklet, st); err != nil {
				return err
			}
		}
	}
	// Coroutines started before the first Dump (without WithStallReport)
	// did not record their goroutine ids: show their stacks unattributed.
	for id, st := range stacks {
		if !shown[id] && strings.Contains(st, "scheduler.newWorker") {
			if _, err := fmt.Fprintf(w, "\n-- a tasklet coroutine started before the first Dump (of this or another scheduler) --\n%s\n", st); err != nil {
				return err
			}
		}
	}
	return nil
}
