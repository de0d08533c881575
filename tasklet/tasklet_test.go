package tasklet_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func TestStateNames(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		s    tasklet.State
		want string
	}{
		{tasklet.New, "new"}, {tasklet.Scheduled, "scheduled"}, {tasklet.Current, "current"},
		{tasklet.Paused, "paused"}, {tasklet.Blocked, "blocked"}, {tasklet.Dead, "dead"},
		{tasklet.State(99), "invalid"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.s.String())
	}
}

func TestIdentityAndQueries(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	a, err := s.SpawnNamed("a", func(*tasklet.Tasklet) {})
	require.NoError(t, err)
	b, err := s.Spawn(func(*tasklet.Tasklet) {})
	require.NoError(t, err)
	assert.Less(t, a.ID(), b.ID())
	assert.Equal(t, "a", a.Name())
	assert.Contains(t, a.String(), "(a)")
	assert.NotContains(t, b.String(), "(")
	assert.Equal(t, "<nil tasklet>", (*tasklet.Tasklet)(nil).String())
	assert.True(t, a.Scheduled())
	assert.True(t, a.Alive(), "spawned: bound and scheduled")
	assert.False(t, a.IsMain())
	assert.Same(t, s, scheduler.Of(a))
	assert.True(t, s.Main().IsMain())
	_, err = s.Run()
	require.NoError(t, err)
	assert.False(t, a.Alive())
}

func TestAtomicNesting(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	m := s.Main()
	assert.False(t, m.SetAtomic(true))
	assert.True(t, m.SetAtomic(true), "set returns the old value")
	assert.True(t, m.SetAtomic(false))
	assert.False(t, m.Atomic())
	func() {
		defer func() { assert.NotNil(t, recover()) }()
		m.Atomically(func() { panic("boom") })
	}()
	assert.False(t, m.Atomic(), "restored even when fn panics")
}

func TestSentinelErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	boom := errors.New("boom")
	pe := &tasklet.PanicError{Value: boom}
	assert.ErrorIs(t, pe, boom)
	assert.Nil(t, (&tasklet.PanicError{Value: "text"}).Unwrap())
	de := &tasklet.DeadlockError{On: "x", Blocked: []tasklet.Waiting{{On: "y"}}}
	assert.ErrorIs(t, de, tasklet.ErrDeadlock)
	assert.Contains(t, de.Error(), "blocked: [<nil tasklet>: y]")
	assert.False(t, tasklet.IsKill("x"))
}

func TestBlockTrap(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	m := s.Main()
	assert.False(t, m.BlockTrap())
	assert.False(t, m.SetBlockTrap(true))
	assert.True(t, m.BlockTrap())
	assert.True(t, m.SetBlockTrap(false))
}
