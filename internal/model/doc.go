// Package model is a reference model of SPEC.md sections 1-4 (and of a
// Lock, section 9) for one scheduler, and the randomized tests that hold
// the runtime (packages scheduler, channel and locks) to it.
//
// The model (model*.go) is a plain simulation: a run queue as a slice whose
// front is the running tasklet, tasklet states (new, scheduled, current,
// paused, blocked, dead), and unbuffered channels with FIFO sender and
// receiver queues, preference -1/0/+1, schedule-all, balance and
// close/open. Tasklets are scripts: each body is a list of operations that
// the model interprets one at a time, in the order the SPEC gives. It covers
//   - Spawn, NewTasklet, Insert, InsertValue, Remove, Schedule,
//     ScheduleRemove (with its value), Run and Switch in place;
//   - Kill and Throw, pending and immediate, on new, scheduled, paused,
//     blocked (they leave the channel queue) and dead tasklets; what is
//     pending is taken at the entry of the tasklet's next operation that
//     names it; a completed channel operation is never undone; a throw
//     still pending as a tasklet's script ends is its uncaught error; a tasklet's
//     Kill, KillNow, Throw or ThrowNow on itself is raised at once in it,
//     the pending forms included, and leaves what is pending alone;
//   - Send, SendError, Receive with preference and schedule-all handoffs,
//     Close (refusing only what would block, waking blocked receivers with
//     ErrClosed, serving waiting senders), Open, SetPreference,
//     SetScheduleAll, block trap;
//   - one locks.Lock: Acquire (the block trap makes a would-block acquire
//     fail) and Release; Release wakes the first waiter without handing
//     the lock over, and a woken waiter retries when it runs and waits
//     again at the tail if it lost; a kill or throw that reaches a woken
//     waiter before it runs is raised at its Acquire, and its wakeup passes
//     on (the woken-then-killed window of SPEC section 2);
//   - uncaught panics and thrown errors delivered at once to the innermost
//     Run caller or to main; Run from main and from tasklets (nested, the
//     innermost returns first when the ring empties); a paused main resumed
//     when the ring empties; ErrDeadlock for the tasklet whose blocking or
//     ScheduleRemove emptied the ring, or for main.
//
// Where the SPEC leaves the outcome open the model returns Unspecified and
// the generator picks another operation: for example a second kill or
// throw while one is pending, a kill, throw, Insert or Run aimed at a
// tasklet waiting in Run (tested directly in package scheduler),
// Close waking receivers while other tasklets are runnable (their place in
// the ring), InsertValue on a tasklet whose suspended call is a completed
// channel operation or a woken lock wait, Remove on a new or dead tasklet, a would-block
// operation on a closing channel with the block trap set. Not modelled:
// buffered channels, timers and timeouts, Sleep, Tick, the watchdog,
// atomic, several schedulers, callbacks and error handlers, Blocking,
// contexts, rebinding.
//
// TestModel generates 10,000 programs from seeds 0..9999 (fewer under the
// race detector): channels, then operations issued by main, including
// spawning tasklets with random scripts. It runs each on the model and on
// the runtime and compares, after every step of main, the trace of events,
// RunCount, Len, every tasklet's state, every channel's Balance, Queue,
// Closing and Closed, the Lock's Locked and Waiting; then it closes the scheduler and checks the kills. On
// a mismatch it shrinks the program and reports both. Replay one seed, with
// its program and trace logged:
//
//	go test ./internal/model -run TestModel -v -seed=N
//
// -sequences=N changes the number of programs. FuzzSchedulerChannel feeds
// the same generator with the fuzzer's bytes; FuzzChannelOps (and
// TestChannelOpsRandom) checks invariants with no model: balance against
// the blocked tasklets, every value received at most once and exactly once
// if its Send returned nil, no goroutine left after Close.
//
// Divergences from the SPEC found this way became deterministic regression
// tests in divergence_test.go (TestRegression_*).
package model
