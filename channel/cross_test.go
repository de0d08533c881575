package channel_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// The inter-thread command channel: main of scheduler A blocks on a channel
// while a tasklet of scheduler B (another goroutine) sends commands to it.
func TestInterThreadCommandChannel(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := newSched(t)
	defer closeSched(t, a)
	cmds := channel.New[string]()
	ready := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		defer b.Close()
		close(ready) // B must exist before A blocks, or A is rightly deadlocked
		b.Spawn(func(tk *tasklet.Tasklet) {
			for _, c := range []string{"load", "start", "tick", "stop"} {
				assert.NoError(t, cmds.Send(tk, c))
			}
			assert.NoError(t, cmds.Close(tk))
		})
		_, err = b.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	}()
	<-ready
	var got []string
	for c := range cmds.All(a.Main()) {
		got = append(got, c)
	}
	wg.Wait()
	assert.Equal(t, []string{"load", "start", "tick", "stop"}, got)
}

// A send to a receiver on another scheduler never switches the caller.
func TestCrossSchedulerSendDoesNotSwitch(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := newSched(t) // must exist before B blocks
	defer closeSched(t, a)
	ch := channel.New[int]()
	received := make(chan int, 1)
	ready := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		defer b.Close()
		close(ready)
		v, err := ch.Receive(b.Main())
		assert.NoError(t, err)
		received <- v
	}()
	<-ready
	var r recorder
	for ch.Balance() != -1 { // wait until B's main blocks
		require.NoError(t, a.Main().Sleep(0))
	}
	spawn(t, a, "other", func(*tasklet.Tasklet) { r.Add("other") })
	before := a.RunCount()
	require.NoError(t, ch.Send(a.Main(), 5))
	r.Add("main continues")
	assert.Equal(t, before, a.RunCount())
	assert.Equal(t, 5, <-received)
	wg.Wait()
	_, err := a.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"main continues", "other"}, r.Log())
}
