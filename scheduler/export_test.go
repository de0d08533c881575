package scheduler

import "github.com/stackless-go/stackless/tasklet"

// PendingThrow returns the throw pending for t, if any: tests only.
func PendingThrow(t *tasklet.Tasklet) error {
	e, ok := entryOf(t)
	if !ok {
		return nil
	}
	s := e.lockOwner()
	defer s.mu.Unlock()
	return e.throwErr
}
