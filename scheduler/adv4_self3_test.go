package scheduler_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// More self Kill/Throw: during Close, in adopted tasklets, after a select,
// across schedulers, and a tasklet killing main.
func TestAdv4SelfKillMoreTable(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []adv4SelfCase{
		{
			// Close kills A; A's deferred function kills A again: unwinds
			// at once; Close returns nil, A dead, outer defer once.
			name: "self-kill-in-defer-during-close",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A outer")
					defer func() {
						log.Add("A inner")
						_ = me.Kill()
						log.Add("A inner after kill")
					}()
					_, _ = me.ScheduleRemove()
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				log.Add("close %v", s.Close())
				log.Add("A %v", a.State())
			},
			want: []string{"A inner", "A outer", "close <nil>", "A dead"},
		},
		{
			// A tasklet kills main (pending form: main waits in Run): main's
			// Run does not return normally; the kill unwinds main's Run
			// call (a panic with the kill in the driver, which recovers
			// it here).
			name: "tasklet-kills-main",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					log.Add("kill main %v", s.Main().Kill())
					log.Add("A after")
				})
				require.NoError(t, err)
				log.Add("run %s", schedtest.Panicked(func() {
					_, err := s.Run()
					log.Add("run returned %v", err)
				}))
				log.Add("main alive %v", s.Main().Alive())
			},
			want: []string{"kill main <nil>", "A after", "run kill", "main alive true"},
		},
		{
			// Select completes with a value, then A kills itself
			// (recovered), then selects again with a Default case: no
			// stale kill or throw; the channel's balance is 0.
			name: "self-kill-after-select",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				ch := channel.New[int]()
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					r := channel.Recv(ch)
					i, err := channel.Select(me, r, channel.Timeout(time.Hour))
					log.Add("select %d %v %d", i, err, r.Value())
					log.Add("self kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
					log.Add("self throw %v", me.Throw(adv4ErrA))
					i, err = channel.Select(me, channel.Recv(ch), channel.Default())
					log.Add("select %d %v", i, err)
					log.Add("balance %d", ch.Balance())
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("send %v", ch.Send(me, 5)) })
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
			},
			want: []string{"select 0 <nil> 5", "self kill kill", "self throw adv4 A", "select 1 <nil>", "balance 0", "send <nil>", "run <nil>"},
		},
		{
			// A, adopted by another scheduler of the same driver, kills
			// itself there: unwinds at once; its deferred call runs once.
			name: "self-kill-adopted",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				s2, err := scheduler.New()
				require.NoError(t, err)
				defer func() { log.Add("close2 %v", s2.Close()) }()
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer func() { log.Add("A defer on s2 %v", scheduler.Of(me) == s2) }()
					_, _ = me.ScheduleRemove()
					log.Add("A resumed on s2 %v", scheduler.Of(me) == s2)
					log.Add("A throw %v", me.Throw(adv4ErrA))
					log.Add("A kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
					_ = me.Kill()
					log.Add("A after kill")
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				log.Add("adopt %v", s2.Adopt(a))
				require.NoError(t, a.Insert())
				_, err = s2.Run()
				log.Add("run2 %v A %v", err, a.State())
			},
			want: []string{"adopt <nil>", "A resumed on s2 true", "A throw adv4 A", "A kill kill", "A defer on s2 true", "run2 <nil> A dead", "close2 <nil>"},
		},
		{
			// Goexit in a deferred function run by a self kill.
			name: "goexit-in-defer-of-self-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A outer")
					defer runtime.Goexit()
					_ = me.Kill()
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("B runs") })
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v A %v", err, a.State())
			},
			want: []string{"A outer", "B runs", "run <nil> A dead"},
		},
		{
			// A panics; its deferred function kills A itself before the
			// panic reaches the top: the kill replaces the panic, A dies
			// silently (Kill: "it dies silently"); nothing delivered.
			name: "self-kill-while-panicking",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A outer")
					defer func() { _ = me.Kill() }()
					panic(adv4ErrA)
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("B runs") })
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v A %v", err, a.State())
			},
			want: []string{"A outer", "B runs", "run <nil> A dead"},
		},
		{
			// A self throw inside a deferred function while a kill unwinds
			// A: returned at once, does not stop the unwinding.
			name: "self-throw-in-defer-while-unwinding",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A outer")
					defer func() { log.Add("A throw %v", me.Throw(adv4ErrA)) }()
					_, _ = me.ScheduleRemove()
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				require.NoError(t, s.Main().KillNow(a))
				log.Add("A %v", a.State())
			},
			want: []string{"A throw adv4 A", "A outer", "A dead"},
		},
	}
	runAdv4SelfCases(t, cases)
}
