// Package scheduler runs tasklets: a run queue in Stackless's order, the
// driver loop that switches between tasklets, timers (Sleep and timeouts on
// an injectable Clock), Run with budgets, deadlock detection, and the wakeups
// that let other goroutines make a tasklet runnable.
//
// A Scheduler is to tasklets what the Go runtime is to goroutines, except
// that it is single-threaded and cooperative: a tasklet runs until it
// switches (Schedule, a channel operation, Sleep, a lock) and the order in
// which tasklets run is fully determined. Use several schedulers on several
// goroutines for parallelism; channels and locks work across them.
//
// How it is built (direct switching on iter.Pull coroutines, the locking
// rules, the invariants): DESIGN.md at the repository root. What it costs:
// the Performance table of the README (go run ./examples/benchmark), the
// one place the figures are kept.
package scheduler
