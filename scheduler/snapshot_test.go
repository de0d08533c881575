package scheduler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Tests of Snapshot, Stats and Dump (snapshot.go).

func TestSnapshotAndDump(t *testing.T) {
	s := start(t, scheduler.WithRunTimeAccounting())
	ch := channel.New[int]()
	_, err := s.SpawnNamed("waiter", func(t *tasklet.Tasklet) { _, _ = ch.Receive(t) })
	require.NoError(t, err)
	_, err = s.SpawnNamed("ticker", func(t *tasklet.Tasklet) {
		for i := 0; i < 10; i++ {
			t.Tick()
		}
		_, _ = t.ScheduleRemove()
	})
	require.NoError(t, err)
	_, err = s.Run()
	require.NoError(t, err)
	snap := s.Snapshot()
	require.Len(t, snap, 3)
	assert.True(t, snap[0].Main)
	byName := map[string]scheduler.TaskletInfo{}
	for _, ti := range snap {
		byName[ti.Name] = ti
	}
	assert.Equal(t, tasklet.Blocked, byName["waiter"].State)
	assert.Contains(t, byName["waiter"].WaitingOn, "receiving on "+ch.String())
	assert.Equal(t, tasklet.Paused, byName["ticker"].State)
	assert.GreaterOrEqual(t, byName["ticker"].Ticks, uint64(10))
	var out strings.Builder
	require.NoError(t, s.Dump(&out))
	assert.Contains(t, out.String(), "waiter")
	assert.Contains(t, out.String(), "channel.(*Channel[...]).receive", "parked coroutines show their stacks")
}
