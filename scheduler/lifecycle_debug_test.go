//go:build race || stackless_debug

// The tests in this file need the debug mode (debug.go), which -race and
// the stackless_debug build tag turn on: CI's race pass runs them.

package scheduler_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// Issue 14 item 16: in the debug mode (on under -race), a switching call
// made from a goroutine other than the tasklet's own fails with
// ErrNotCurrent every time, even while the tasklet runs; Run and Close
// from a goroutine other than the driver are refused. Without the debug
// mode the outcome of such a call is not determined, so the test needs it.
// Under -race, the test also shows that the library has no data race
// whatever the caller does.
func TestIssue14WrongGoroutineIsCaughtInDebugMode(t *testing.T) {
	s := start(t)
	ch := channel.New[int]()
	var got []string
	spawn(t, s, "receiver", func(tk *tasklet.Tasklet) { _, _ = ch.Receive(tk) })
	spawn(t, s, "misuser", func(tk *tasklet.Tasklet) {
		calls := []struct {
			name string
			call func() error
		}{
			{"Send", func() error { return ch.Send(tk, 1) }},
			{"Schedule", tk.Schedule},
			{"Sleep", func() error { return tk.Sleep(0) }},
			{"ScheduleRemove", func() error { _, err := tk.ScheduleRemove(); return err }},
			{"main Run", func() error { _, err := s.Run(); return err }},
			{"main Close", s.Close},
		}
		for _, c := range calls {
			done := make(chan error)
			go func() {
				tk.Tick() // a no-op from another goroutine
				done <- c.call()
			}()
			got = append(got, fmt.Sprintf("%s: %v", c.name, <-done)) // tk is running meanwhile
		}
		assert.NoError(t, ch.Send(tk, 2)) // its own goroutine: fine
	})
	_, err := s.Run()
	require.NoError(t, err)
	nc := tasklet.ErrNotCurrent.Error()
	assert.Equal(t, []string{
		"Send: " + nc, "Schedule: " + nc, "Sleep: " + nc, "ScheduleRemove: " + nc,
		"main Run: " + nc, "main Close: " + nc,
	}, got)
	assert.Equal(t, 0, s.Len())
	// From a goroutine other than the driver, with main running.
	done := make(chan []error)
	go func() {
		_, runErr := s.Run()
		done <- []error{runErr, s.Close(), s.Main().Schedule()}
	}()
	for _, err := range <-done {
		assert.ErrorIs(t, err, tasklet.ErrNotCurrent)
	}
}
