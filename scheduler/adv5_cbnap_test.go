package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// WithScheduleCallback: "When nothing is runnable and the scheduler sleeps,
// main counts as running (its Run waits): fn sees (prev, main) before the
// sleep and (main, next) after it." The exact sequences, on a fake clock.
func TestAdv5CallbackNapSequences(t *testing.T) {
	defer goleak.VerifyNone(t)
	type tk struct {
		name string
		body func(s *scheduler.Scheduler, me *tasklet.Tasklet, log *schedtest.Recorder)
	}
	sleeper := func(n string, ds ...time.Duration) tk {
		return tk{n, func(s *scheduler.Scheduler, me *tasklet.Tasklet, log *schedtest.Recorder) {
			log.Add("%s start", n)
			for _, d := range ds {
				_ = me.Sleep(d)
				log.Add("%s woke %v", n, s.Now().Sub(adv5T0))
			}
		}}
	}
	for _, c := range []struct {
		name    string
		tks     []tk
		opts    []scheduler.RunOption
		panicOn string // callback panics on this switch
		mainFn  func(s *scheduler.Scheduler, log *schedtest.Recorder) error
		want    []string
	}{
		{name: "two-unequal", tks: []tk{sleeper("A", time.Second), sleeper("B", 2*time.Second)},
			want: []string{"main->A", "A start", "A->B", "B start", "B->main", "main->A", "A woke 1s", "A->main", "main->B", "B woke 2s", "B->main"}},
		{name: "two-equal", tks: []tk{sleeper("A", time.Second), sleeper("B", time.Second)},
			want: []string{"main->A", "A start", "A->B", "B start", "B->main", "main->A", "A woke 1s", "A->B", "B woke 1s", "B->main"}},
		{name: "equal-created-reverse", tks: []tk{sleeper("A", 2*time.Second, time.Second), sleeper("B", 3*time.Second)},
			// B's timer (deadline 3s) was created at 0s, A's (3s) at 2s: B first.
			want: []string{"main->A", "A start", "A->B", "B start", "B->main", "main->A", "A woke 2s", "A->main", "main->B", "B woke 3s", "B->A", "A woke 3s", "A->main"}},
		{name: "budget", tks: []tk{sleeper("A", time.Second), sleeper("B", 2*time.Second)},
			opts: []scheduler.RunOption{scheduler.TickBudget(1000)},
			want: []string{"main->A", "A start", "A->B", "B start", "B->main", "main->A", "A woke 1s", "A->main", "main->B", "B woke 2s", "B->main"}},
		{name: "budget-total", tks: []tk{sleeper("A", time.Second), sleeper("B", 2*time.Second)},
			opts: []scheduler.RunOption{scheduler.TickBudget(1000), scheduler.Total()},
			want: []string{"main->A", "A start", "A->B", "B start", "B->main", "main->A", "A woke 1s", "A->main", "main->B", "B woke 2s", "B->main"}},
		{name: "panic-before-nap", tks: []tk{sleeper("A", time.Second), sleeper("B", 2*time.Second)}, panicOn: "B->main",
			want: []string{"main->A", "A start", "A->B", "B start", "B->main", "main->A", "A woke 1s", "A->main", "main->B", "B woke 2s", "B->main"}},
		{name: "panic-after-nap", tks: []tk{sleeper("A", time.Second), sleeper("B", 2*time.Second)}, panicOn: "main->A",
			want: []string{"main->A", "A start", "A->B", "B start", "B->main", "main->A", "A woke 1s", "A->main", "main->B", "B woke 2s", "B->main"}},
		{name: "sleep0-beside-sleeper", tks: []tk{sleeper("A", 0, 0), sleeper("B", time.Second)},
			want: []string{"main->A", "A start", "A->B", "B start", "B->A", "A woke 0s", "A woke 0s", "A->main", "main->B", "B woke 1s", "B->main"}},
		{name: "main-sleeps-longer", tks: []tk{sleeper("A", time.Second)},
			mainFn: func(s *scheduler.Scheduler, log *schedtest.Recorder) error {
				err := s.Main().Sleep(2 * time.Second)
				log.Add("main woke %v", s.Now().Sub(adv5T0))
				return err
			},
			want: []string{"main->A", "A start", "A->main", "main->A", "A woke 1s", "A->main", "main woke 2s"}},
		{name: "main-sleeps-shorter", tks: []tk{sleeper("A", 2*time.Second)},
			mainFn: func(s *scheduler.Scheduler, log *schedtest.Recorder) error {
				err := s.Main().Sleep(time.Second)
				log.Add("main woke %v", s.Now().Sub(adv5T0))
				return err
			},
			// then Close kills A: main->A, A->main
			want: []string{"main->A", "A start", "A->main", "main woke 1s", "main->A", "A->main"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(
					scheduler.WithClock(scheduler.NewFakeClock(adv5T0)),
					scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
						e := adv4Nm(prev) + "->" + adv4Nm(next)
						log.Add("%s", e)
						if e == c.panicOn {
							panic("cb")
						}
					}))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				for _, k := range c.tks {
					_, err := s.SpawnNamed(k.name, func(me *tasklet.Tasklet) { k.body(s, me, log) })
					require.NoError(t, err)
				}
				if c.mainFn != nil {
					assert.NoError(t, c.mainFn(s, log))
					return
				}
				_, err = s.Run(append([]scheduler.RunOption{scheduler.ThreadBlock()}, c.opts...)...)
				assert.NoError(t, err)
			})
			assert.Equal(t, c.want, log.Log())
		})
	}
}
