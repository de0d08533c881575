package torture

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

// Issue 14 item 15, across packages: a zero Tasklet (not created by a
// scheduler), a nil option, a nil scheduler and a huge buffer are bad input
// with a clear error, never a panic; nothing is queued anywhere.
func TestIssue14ZeroTaskletAndNilInputEverywhere(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	z := &tasklet.Tasklet{}
	sem, err := locks.NewSemaphore(0)
	require.NoError(t, err)
	bsem, err := locks.NewBoundedSemaphore(1)
	require.NoError(t, err)
	var lock locks.Lock
	var rlock locks.RLock
	var ev locks.Event
	var ve locks.ValueEvent[int]
	cond := locks.NewCondition(nil)
	bar, err := locks.NewBarrier(2, nil, -1)
	require.NoError(t, err)
	ch := channel.New[int]()
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"scheduler.New(nil)", func() error { _, err := scheduler.New(nil); return err }, scheduler.ErrNilOption},
		{"watchdog.Pump(nil)", func() error { _, err := watchdog.Pump(nil, nil); return err }, watchdog.ErrNilScheduler},
		{"channel.NewBuffered(MaxInt)", func() error { _, err := channel.NewBuffered[int](math.MaxInt); return err }, nil},
		{"ch.Send", func() error { return ch.Send(z, 1) }, tasklet.ErrZeroTasklet},
		{"ch.ReceiveTimeout", func() error { _, err := ch.ReceiveTimeout(z, -1); return err }, tasklet.ErrZeroTasklet},
		{"Semaphore.Acquire", func() error { return sem.Acquire(z) }, tasklet.ErrZeroTasklet},
		{"BoundedSemaphore.Acquire", func() error { return bsem.Acquire(z) }, tasklet.ErrZeroTasklet},
		{"Lock.Acquire", func() error { return lock.Acquire(z) }, tasklet.ErrZeroTasklet},
		{"RLock.Acquire", func() error { return rlock.Acquire(z) }, tasklet.ErrZeroTasklet},
		{"Event.Wait", func() error { _, err := ev.Wait(z); return err }, tasklet.ErrZeroTasklet},
		{"ValueEvent.Wait", func() error { _, err := ve.Wait(z); return err }, tasklet.ErrZeroTasklet},
		{"Condition.Wait", func() error { return cond.Wait(z) }, tasklet.ErrZeroTasklet},
		{"Barrier.Wait", func() error { _, err := bar.Wait(z); return err }, tasklet.ErrZeroTasklet},
		{"Main().Run(zero)", func() error { return s.Main().Run(z) }, tasklet.ErrDead},
		{"zero.Insert", z.Insert, tasklet.ErrZeroTasklet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
			assert.Equal(t, 0, ch.Balance())
			assert.Equal(t, 0, bar.Waiting())
			assert.Equal(t, 1, s.RunCount())
		})
	}
}
