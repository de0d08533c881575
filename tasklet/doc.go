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
// them. This package holds what a tasklet is: its identity and states, its
// atomic flag, kill and throw, ticks (the watchdog's preemption points), and
// Runtime, the small interface the owning scheduler implements.
//
// Costs, measured on the 2-core machines this library is developed on: a
// Schedule between two tasklets costs about 1.1-1.2x an iter.Pull round
// trip (75 ns here); Tick with no interrupt due costs about 2 ns.
package tasklet
