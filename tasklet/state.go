// A tasklet's state: new, scheduled, current, paused, blocked or dead.

package tasklet

// State is where a tasklet is in its life. The states follow Stackless:
// new -> (scheduled <-> current <-> paused | blocked) -> dead.
type State int32

const (
	// New: bound to a function, never run.
	New State = iota
	// Scheduled: in its scheduler's run queue, waiting for its turn.
	Scheduled
	// Current: running now on its scheduler.
	Current
	// Paused: alive but in no queue (also while waiting in a Run call it
	// made); Insert makes it runnable again.
	Paused
	// Blocked: waiting on a channel, a lock or a timer.
	Blocked
	// Dead: finished, killed, or ended by an uncaught panic.
	Dead
)

var stateNames = [...]string{"new", "scheduled", "current", "paused", "blocked", "dead"}

// String returns the state's lower-case name.
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "invalid"
	}
	return stateNames[s]
}
