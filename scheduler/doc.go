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
// Costs, measured on the 2-core development machines: a switch between two
// tasklets costs about 1.1-1.2x an iter.Pull round trip (a switch to a
// tasklet that is not an ancestor of the running one is a single coroutine
// switch); spawning and finishing a tasklet reuses a finished coroutine and
// costs 0.6-0.9x a go statement with a WaitGroup; a parked tasklet takes
// about 2.5 KB.
package scheduler
