// The kill signal: the value a kill panics with inside its victim.

package core

// KillSignal is the type of the value a kill panics with inside its victim
// (see tasklet.IsKill). It is an error: a Blocker's Cancel gets Killed as
// the reason when a kill cuts a wait.
type KillSignal struct{ _ int }

// Error describes the kill.
func (*KillSignal) Error() string { return "stackless: killed" }

// Killed is the only KillSignal value: what a kill panics with, and the
// reason given to Cancel.
var Killed error = &KillSignal{}

// IsKill reports whether v (a recovered panic value or a Cancel reason) is
// a kill.
func IsKill(v any) bool { return v == any(Killed) }
