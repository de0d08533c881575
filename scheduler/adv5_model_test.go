package scheduler_test

import (
	"errors"
	"fmt"
	"math/rand"
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

type adv5Arm struct {
	who      string
	seq      int
	deadline time.Duration
	d        time.Duration
	woke     time.Duration
	err      error
}

// A randomized model: tasklets re-arm timed waits in a loop (Sleep, timed
// receive, timed lock acquire, Event.WaitTimeout) while a striker throws
// into (or kills) random ones: a cut wait re-arms at once. On the fake
// clock, every wait that ran out ended exactly at arm+d; the waits that ran
// out returned in (deadline, arm order) order.
func TestAdv5TimerModel(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("x")
	for seed := int64(1); seed <= 300; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			var arms []*adv5Arm
			var done []*adv5Arm
			seq := 0
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)),
					scheduler.WithErrorHandler(func(_ *tasklet.Tasklet, err error) error {
						if errors.Is(err, errX) {
							return nil
						}
						return err
					}))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				lock := &locks.Lock{}
				require.True(t, lock.TryAcquire(nil))
				ev := &locks.Event{}
				n := 2 + rng.Intn(8)
				var vs []*tasklet.Tasklet
				for i := 0; i < n; i++ {
					name := fmt.Sprint("V", i)
					rounds := 1 + rng.Intn(12)
					v, err := s.SpawnNamed(name, func(me *tasklet.Tasklet) {
						defer func() {
							if r := recover(); r != nil && !tasklet.IsKill(r) {
								panic(r)
							}
						}()
						for r := 0; r < rounds; r++ {
							d := time.Duration(1+rng.Intn(6)) * time.Millisecond
							kind := rng.Intn(4)
							now := s.Now().Sub(adv5T0)
							a := &adv5Arm{who: name, seq: seq, deadline: now + d, d: d}
							seq++
							arms = append(arms, a)
							var err error
							switch kind {
							case 0:
								err = me.Sleep(d)
								if err == nil {
									err = tasklet.ErrTimeout
								}
							case 1:
								_, err = channel.New[int]().ReceiveTimeout(me, d)
							case 2:
								err = lock.AcquireTimeout(me, d)
							case 3:
								_, err = ev.WaitTimeout(me, d)
								if err == nil {
									err = tasklet.ErrTimeout
								}
							}
							a.woke = s.Now().Sub(adv5T0)
							a.err = err
							done = append(done, a)
						}
					})
					require.NoError(t, err)
					vs = append(vs, v)
				}
				_, err = s.SpawnNamed("K", func(me *tasklet.Tasklet) {
					for k := 0; k < 15; k++ {
						_ = me.Sleep(time.Duration(rng.Intn(4)) * time.Millisecond)
						v := vs[rng.Intn(len(vs))]
						if rng.Intn(5) == 0 {
							_ = v.Kill()
						} else {
							_ = v.Throw(errX)
						}
					}
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			var ran []*adv5Arm
			for _, a := range done {
				if errors.Is(a.err, tasklet.ErrTimeout) {
					ran = append(ran, a)
					assert.Equal(t, a.deadline, a.woke, "%s seq %d d %v: ended at %v, deadline %v", a.who, a.seq, a.d, a.woke, a.deadline)
				} else {
					assert.ErrorIs(t, a.err, errX, "%s seq %d", a.who, a.seq)
					assert.LessOrEqual(t, a.woke, a.deadline, "%s seq %d: cut after its deadline", a.who, a.seq)
				}
			}
			t.Logf("%d waits, %d ran out", len(done), len(ran))
			for i := 1; i < len(ran); i++ {
				p, q := ran[i-1], ran[i]
				ok := p.deadline < q.deadline || p.deadline == q.deadline && p.seq < q.seq
				assert.True(t, ok, "out of order: %s seq %d (deadline %v) before %s seq %d (deadline %v)", p.who, p.seq, p.deadline, q.who, q.seq, q.deadline)
			}
		})
	}
}
