// Package model is a reference model of SPEC.md sections 1-4 (with
// package channel's Select, and section 8's timers for its Timeout cases;
// and of a Lock, section 9) for one scheduler, and the randomized tests that hold
// the runtime (packages scheduler, channel and locks) to it.
//
// The model (model*.go) is a plain simulation: a run queue as a slice whose
// front is the running tasklet, tasklet states (new, scheduled, current,
// paused, blocked, dead), and channels, unbuffered or buffered
// (channel.NewBuffered, one or two values), with FIFO sender and receiver
// queues, preference -1/0/+1, schedule-all, balance and close/open.
// Tasklets are scripts: each body is a list of operations that the model
// interprets one at a time, in the order the SPEC gives. It covers
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
//   - buffered channels: a send with no receiver waiting fills the buffer
//     and goes on (a closing channel too), and blocks only when it is full;
//     a receive takes the oldest buffered value, and if senders wait the
//     first one's value takes the freed place and that sender is woken by
//     the preference, as by a receive from it; Balance counts the buffered
//     values, Len is compared too;
//   - channel.Select (model_select.go) over one to four cases: Recv, Send
//     (the same channel twice too, even as sender and receiver), Timeout,
//     Done of one of two cancellable contexts or of context.Background(),
//     Default. The first ready case in argument order completes as that
//     channel's operation would (preference, schedule-all, ErrClosed);
//     Default only when nothing is ready; blocked, the select has a node in
//     the queue of every channel case, and whoever takes one (a partner, a
//     polling select, Close for a receive case) completes it and withdraws
//     the others; a kill, throw, deadlock or delivered error cuts it; a
//     kill or throw that reaches it after a wake-up that transferred
//     nothing (Close, a timeout, a cancellation) is raised at the select;
//     a Done case of a context that can be cancelled keeps the scheduler
//     from reporting a deadlock only while the select is blocked: a select
//     killed at its wait, or whose wait ended and that is removed before it
//     runs, leaves a deadlock to be reported;
//   - timers on the fake clock (scheduler.NewFakeClock): a blocked select's
//     earliest positive Timeout arms one, as do SendTimeout and
//     ReceiveTimeout (zero does not wait); with nothing to run, no Run
//     waiting and main not paused, the clock jumps to the earliest deadline
//     and the due timers fire in (deadline, rank) order; FakeClock.Advance
//     (from main or a script) makes timers due, and they fire at the next
//     switch, from the root, ahead of the ring's front;
//   - Cancel of a context, from main or a script: the select blocked on it
//     is woken from the context's goroutine (the harness waits for it);
//     woken from outside the scheduler, it joins the wake lane, as a timer's
//     tasklet does: after the running tasklet and the lane's earlier
//     members (package scheduler's ring), which the model keeps;
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
// operation on a closing channel with the block trap set, a cancel that
// wakes two selects at once (the order of the contexts' goroutines), a
// state with nothing to run while a select is blocked on a Done case of a
// context that can be cancelled (its watch holds a Waker: the scheduler
// sleeps, and nobody would wake it; see mustSleep). Not modelled: Sleep,
// Tick, the watchdog, atomic, several schedulers, callbacks and error handlers,
// Blocking, SendContext and ReceiveContext (they are a select), rebinding.
//
// TestModel generates 10,000 programs from seeds 0..9999 (fewer under the
// race detector): channels, then operations issued by main, including
// spawning tasklets with random scripts. It runs each on the model and on
// the runtime and compares, after every step of main, the trace of events,
// RunCount, Len, every tasklet's state, every channel's Balance, Len, Queue,
// Closing and Closed, the Lock's Locked and Waiting; then it closes the scheduler and checks the kills.
// The runtime runs on a fake clock; TestModelSelect and TestModelSelectCases
// are fixed select programs checked the same way, with the orderings the
// model gives them. On
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
// tests in regression_test.go (TestRegression_*); a runtime bug found by
// the select cases (a context wait's Waker outlived the wait) is package
// channel's TestContextWaitReleasesItsWakerAsItEnds.
package model
