package scheduler_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/tasklet"
)

// A throw is never dropped (SPEC section 2): while one throw waits for a
// tasklet, a second is refused with ErrThrowPending instead of replacing
// it; once the first has been raised, the tasklet can be thrown into again.
func TestSecondPendingThrowIsRefused(t *testing.T) {
	s := start(t)
	first, second, third := errors.New("first"), errors.New("second"), errors.New("third")
	var log []string
	v := spawn(t, s, "v", func(tk *tasklet.Tasklet) {
		for range 2 {
			log = append(log, fmt.Sprint("v: ", tk.Schedule()))
		}
	})
	require.NoError(t, s.Main().Schedule()) // v runs and yields
	require.NoError(t, v.Throw(first))
	assert.ErrorIs(t, v.Throw(second), tasklet.ErrThrowPending)
	assert.ErrorIs(t, s.Main().ThrowNow(v, second), tasklet.ErrThrowPending)
	require.NoError(t, s.Main().Schedule()) // v gets first, yields again
	require.NoError(t, v.Throw(third))
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"v: first", "v: third"}, log)
}
