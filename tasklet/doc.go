// Package tasklet defines the Tasklet: a coroutine that runs only when the
// scheduler that owns it switches to it, in the style of Stackless Python.
//
// A tasklet's body is a func(*Tasklet). Every call that may suspend or switch
// the caller takes the calling tasklet, the way a context.Context is passed:
// t.Schedule(), t.Sleep(d), ch.Send(t, v). Calls that act on another tasklet
// without switching the caller (Insert, Kill, Throw, the state queries) are
// methods on the target and are safe to call from any goroutine.
//
// Tasklets are created by a scheduler (package scheduler), which also runs
// them; scheduler.Of(t) is t's scheduler. This package holds what a tasklet
// is: its identity and states, its atomic flag, kill and throw, and ticks
// (the watchdog's preemption points). How a tasklet and its scheduler work
// together is private to the module (see DESIGN.md).
//
// Two rules hold for every package of the module. A call that can wake a
// tasklet (a lock's Release, an Event's Set, a Channel's Close...) takes
// its caller, the running tasklet or nil from outside any tasklet: a
// tasklet woken by a tasklet of its own scheduler goes to the end of the
// run queue, whichever primitive woke it, and one woken from another
// scheduler or a plain goroutine runs next on its own scheduler. A timed
// wait that runs out returns an error matching ErrTimeout, under the
// timed-wait rule written in ErrTimeout's doc.
//
// What the operations cost is in the README's performance table.
package tasklet
