package locks_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// TestRegressionCloseWaitsForCleanupOnAnotherScheduler: SPEC section 6,
// "when a scheduler is closed, its tasklets are killed (their deferred
// cleanup runs)". A tasklet's deferred cleanup waits for something another
// live scheduler provides a little later (here a channel value; for locks:
// Condition.Wait re-acquiring its lock while a tasklet of another scheduler
// holds it). Close used to kill it again at once, interrupting its cleanup,
// and abandon it after 100 rounds; it now kills each tasklet once and waits
// (thread-block) for cleanups that another scheduler can still unblock.
func TestRegressionCloseWaitsForCleanupOnAnotherScheduler(t *testing.T) {
	defer goleak.VerifyNone(t)
	ch := channel.New[int]()
	var r recorder
	bReady := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // scheduler B: sends the value the cleanup needs, a little later
		defer wg.Done()
		b, err := scheduler.New()
		close(bReady)
		if !assert.NoError(t, err) {
			return
		}
		defer func() { assert.NoError(t, b.Close()) }()
		_, err = b.Spawn(func(tk *tasklet.Tasklet) {
			assert.NoError(t, tk.Sleep(20*time.Millisecond))
			_ = ch.SendTimeout(tk, 42, 200*time.Millisecond)
		})
		assert.NoError(t, err)
		_, err = b.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	}()
	<-bReady

	a := newSched(t)
	spawn(t, a, "worker", func(tk *tasklet.Tasklet) {
		defer func() {
			v, err := ch.Receive(tk) // the cleanup: needs B's value
			r.Add("cleanup got %d %v", v, err)
		}()
		_, _ = tk.ScheduleRemove() // parked until Close kills it
	})
	run(t, a)
	require.NoError(t, a.Close())
	wg.Wait()
	assert.Equal(t, []string{"cleanup got 42 <nil>"}, r.Log(), "Close let the cleanup finish")
}
