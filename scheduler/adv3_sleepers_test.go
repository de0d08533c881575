package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A burst of sleepers with the same duration (so deadlines are in creation
// order, ties broken by creation: SPEC 8) that each send their index to
// main, which naps blocked in Receive (SPEC 3: a pending timer can wake the
// scheduler, so it sleeps rather than reporting a deadlock). Main receives
// 0..n-1 in order, with every optional slow-path feature on or off.
func TestAdv3SleepersWakeMainInOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name  string
		sopts []scheduler.Option
		d     time.Duration
	}{
		{"plain", nil, 2 * time.Millisecond},
		{"zero", nil, 0},
		{"acct", []scheduler.Option{scheduler.WithRunTimeAccounting()}, 2 * time.Millisecond},
		{"stall", []scheduler.Option{scheduler.WithStallReport(time.Second)}, time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 500
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(tc.sopts...)
				if !assert.NoError(t, err) {
					return
				}
				ch := channel.New[int]()
				for i := 0; i < n; i++ {
					i := i
					_, err := s.Spawn(func(me *tasklet.Tasklet) {
						assert.NoError(t, me.Sleep(tc.d))
						assert.NoError(t, ch.Send(me, i))
					})
					assert.NoError(t, err)
				}
				var got []int
				for i := 0; i < n; i++ {
					v, err := ch.Receive(s.Main())
					if !assert.NoError(t, err) {
						break
					}
					got = append(got, v)
				}
				want := make([]int, n)
				for i := range want {
					want[i] = i
				}
				assert.Equal(t, want, got)
				_, err = s.Run()
				assert.NoError(t, err)
				assert.NoError(t, s.Close())
			})
		})
	}
}
