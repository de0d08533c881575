package channel_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A full buffered channel (cap 1). V's SendTimeout(10ms) starts at 0; X's
// 8ms timed acquire starts at 2ms (deadline 10ms too). At 4ms R receives
// (a slot frees) and at once N sends: either V's value went into the freed
// slot (V returns nil at 4ms, nothing lost), or V waits again keeping its
// deadline and, created first, times out before X at 10ms.
func TestAdv5BufferedSendRewait(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		at := func() time.Duration { return s.Now().Sub(adv5T0) }
		ch, err := channel.NewBuffered[int](1)
		require.NoError(t, err)
		require.NoError(t, ch.Send(s.Main(), 0))
		l2 := &locks.Lock{}
		require.True(t, l2.TryAcquire(nil))
		_, err = s.SpawnNamed("V", func(me *tasklet.Tasklet) {
			err := ch.SendTimeout(me, 1, 10*time.Millisecond)
			log.Add("V %v at %v", err, at())
		})
		require.NoError(t, err)
		_, err = s.SpawnNamed("X", func(me *tasklet.Tasklet) {
			_ = me.Sleep(2 * time.Millisecond)
			err := l2.AcquireTimeout(me, 8*time.Millisecond)
			log.Add("X %v at %v", err, at())
		})
		require.NoError(t, err)
		_, err = s.SpawnNamed("R", func(me *tasklet.Tasklet) {
			_ = me.Sleep(4 * time.Millisecond)
			v, err := ch.Receive(me)
			log.Add("R got %d %v", v, err)
			err = ch.SendTimeout(me, 2, 0)
			log.Add("N sent %v", err)
		})
		require.NoError(t, err)
		_, err = s.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	})
	ev := log.Log()
	t.Logf("%q", ev)
	handover := []string{"R got 0 <nil>", "N sent stackless: timeout", "V <nil> at 4ms", "X stackless: timeout at 10ms"}
	rewait := []string{"R got 0 <nil>", "N sent <nil>", "V stackless: timeout at 10ms", "X stackless: timeout at 10ms"}
	assert.Contains(t, [][]string{handover, rewait}, ev)
}
