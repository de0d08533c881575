package tasklet

// SetAtomic sets the atomic flag of t, which must be the running tasklet, and
// returns its previous value. While the flag is set the watchdog defers (never
// cancels) interrupting t, and code inside atomic on one scheduler never
// interleaves with code inside atomic on another scheduler of the process.
// Blocking or switching inside atomic is allowed and releases that exclusion
// until t runs again. Restore the old value to nest:
//
//	old := t.SetAtomic(true)
//	defer t.SetAtomic(old)
func (t *Tasklet) SetAtomic(on bool) bool {
	old := t.atomic.Load()
	if old == on {
		return old
	}
	if on {
		if t.rt != nil { // a zero Tasklet has no scheduler to exclude
			t.rt.Atomic(true)
		}
		t.atomic.Store(true)
	} else {
		t.atomic.Store(false)
		if t.rt != nil {
			t.rt.Atomic(false)
		}
	}
	return old
}

// Atomic reports whether t's atomic flag is set.
func (t *Tasklet) Atomic() bool { return t.atomic.Load() }

// Atomically runs fn with t's atomic flag set and restores the old value
// afterwards, even if fn panics or t is killed.
func (t *Tasklet) Atomically(fn func()) {
	old := t.SetAtomic(true)
	defer t.SetAtomic(old)
	fn()
}

// KillSignal is the value a kill panics with inside the victim. The runtime
// recovers it at the tasklet's top; a tasklet that recovers it deliberately
// keeps running, as in Stackless. Use IsKill to recognise it. It is also
// the reason a Blocker's Cancel is given when a kill cuts a wait.
type KillSignal struct{ _ int }

// Error describes the kill.
func (*KillSignal) Error() string { return "stackless: killed" }

// Kill is the only KillSignal value.
var kill = &KillSignal{}

// KillPanic returns the value a kill panics with.
func KillPanic() any { return kill }

// IsKill reports whether a recovered panic value, or the reason given to a
// Blocker's Cancel, is a kill.
func IsKill(v any) bool { return v == kill }
