// Atomic: the flag that defers the watchdog's interrupts and keeps code
// inside atomic from interleaving across schedulers.

package tasklet

import "github.com/stackless-go/stackless/internal/core"

// SetAtomic sets the atomic flag of t, which must be the running tasklet, and
// returns its previous value. While the flag is set the watchdog defers (never
// cancels) interrupting t, and code inside atomic on one scheduler never
// interleaves with code inside atomic on another scheduler of the process.
// Blocking or switching inside atomic is allowed and releases that exclusion
// until t runs again. Restore the old value to nest:
//
//	old := t.SetAtomic(true)
//	defer t.SetAtomic(old)
func (t *Tasklet) SetAtomic(on bool) bool { return (*core.Task)(t).SetAtomic(on) }

// Atomic reports whether t's atomic flag is set.
func (t *Tasklet) Atomic() bool { return (*core.Task)(t).Atomic() }

// Atomically runs fn with t's atomic flag set and restores the old value
// afterwards, even if fn panics or t is killed.
func (t *Tasklet) Atomically(fn func()) {
	old := t.SetAtomic(true)
	defer t.SetAtomic(old)
	fn()
}

// IsKill reports whether v, a value recovered from a panic, is a kill: the
// value a kill panics with inside its victim. The runtime recovers it at the
// tasklet's top; a tasklet that recovers it deliberately keeps running, as in
// Stackless; one that recovers panics in general re-panics it.
func IsKill(v any) bool { return core.IsKill(v) }
