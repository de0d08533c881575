package tasklet

import "time"

// runtime returns t's runtime, or, for a zero Tasklet (one no scheduler
// created), a stand-in that fails every call cleanly instead of
// dereferencing nil. The check is one predictable branch.
func (t *Tasklet) runtime() Runtime {
	if rt := t.rt; rt != nil {
		return rt
	}
	return zeroRuntime{t}
}

// zeroRuntime is the runtime of a Tasklet that no scheduler created: it owns
// nothing, is dead, and every operation fails with ErrZeroTasklet.
type zeroRuntime struct{ t *Tasklet }

func (zeroRuntime) Owner() any                  { return nil }
func (zeroRuntime) SameOwner(Runtime) bool      { return false }
func (zeroRuntime) State() State                { return Dead }
func (zeroRuntime) IsMain() bool                { return false }
func (zeroRuntime) Enter() error                { return ErrZeroTasklet }
func (zeroRuntime) Schedule(bool) (any, error)  { return nil, ErrZeroTasklet }
func (zeroRuntime) Yield(bool) error            { return ErrZeroTasklet }
func (zeroRuntime) Run(*Tasklet, bool) error    { return ErrZeroTasklet }
func (zeroRuntime) Insert(any, bool) error      { return ErrZeroTasklet }
func (zeroRuntime) Remove() error               { return ErrZeroTasklet }
func (zeroRuntime) Raise(error, *Tasklet) error { return ErrZeroTasklet }
func (zeroRuntime) Sleep(time.Duration) error   { return ErrZeroTasklet }
func (zeroRuntime) Tick()                       {}
func (zeroRuntime) Atomic(bool)                 {}

// Park undoes the caller's registration in b and fails.
func (z zeroRuntime) Park(b Blocker, _ time.Duration) error {
	b.Cancel(z.t, ErrZeroTasklet)
	return ErrZeroTasklet
}

func (zeroRuntime) Ready(error, *Tasklet, bool) bool { return false }
