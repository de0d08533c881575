package scheduler_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// k schedulers on k goroutines; each spawns a burst of tasklets blocked on
// their own private channels, then its main blocks on a private channel
// nobody will ever send on. Every scheduler napping cannot wake another:
// SPEC 3 requires each main to get ErrDeadlock (naming every blocked
// tasklet of its scheduler), never a silent hang; after the channels are
// undone, Close kills the blocked tasklets and returns nil.
func TestAdv3MutualNapDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, k := range []int{1, 2, 4, 8} {
		t.Run(time.Duration(k).String(), func(t *testing.T) {
			const n = 200
			schedtest.Within(t, 20*time.Second, func() {
				var made sync.WaitGroup
				made.Add(k)
				goCh := make(chan struct{})
				var wg sync.WaitGroup
				errs := make([]error, k)
				blocked := make([]int, k)
				for i := 0; i < k; i++ {
					i := i
					wg.Add(1)
					go func() {
						defer wg.Done()
						s, err := scheduler.New()
						if err != nil {
							errs[i] = err
							made.Done()
							return
						}
						defer func() {
							if err := s.Close(); err != nil {
								t.Errorf("close %d: %v", i, err)
							}
						}()
						own := channel.New[int]()
						for j := 0; j < n; j++ {
							_, _ = s.Spawn(func(me *tasklet.Tasklet) { _, _ = own.Receive(me) })
						}
						_, err = s.Run()
						assert.NoError(t, err)
						made.Done()
						<-goCh
						mine := channel.New[int]()
						_, errs[i] = mine.Receive(s.Main())
						var de *tasklet.DeadlockError
						if assertErrAs(t, errs[i], &de) {
							blocked[i] = len(de.Blocked)
						}
					}()
				}
				made.Wait()
				close(goCh)
				wg.Wait()
				for i := 0; i < k; i++ {
					assert.ErrorIs(t, errs[i], tasklet.ErrDeadlock, "scheduler %d", i)
					assert.GreaterOrEqual(t, blocked[i], n, "scheduler %d names every blocked tasklet", i)
				}
			})
		})
	}
}

func assertErrAs(t *testing.T, err error, target any) bool {
	t.Helper()
	if err == nil {
		return false
	}
	return assert.ErrorAs(t, err, target)
}

// A token passed main-to-main around a ring of k schedulers, each main
// napping in Receive while another is about to send to it: SPEC 3 says a
// scheduler sleeps while another scheduler can still wake it; a false
// ErrDeadlock (the nap deciding "nobody can wake me" while the sender is
// awake) or a hang is a bug. With burst tasklets spawned between rounds.
func TestAdv3MainTokenRingNoFalseDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, k := range []int{2, 3, 8} {
		t.Run(time.Duration(k).String(), func(t *testing.T) {
			const rounds = 300
			schedtest.Within(t, 30*time.Second, func() {
				chs := make([]*channel.Channel[int], k)
				for i := range chs {
					chs[i] = channel.New[int]()
				}
				var made sync.WaitGroup
				made.Add(k)
				goCh := make(chan struct{})
				var wg sync.WaitGroup
				errs := make([]error, k)
				for i := 0; i < k; i++ {
					i := i
					wg.Add(1)
					go func() {
						defer wg.Done()
						s, err := scheduler.New()
						if err != nil {
							errs[i] = err
							made.Done()
							return
						}
						defer func() { assert.NoError(t, s.Close()) }()
						made.Done()
						<-goCh
						in, out := chs[i], chs[(i+1)%k]
						m := s.Main()
						for r := 0; r < rounds; r++ {
							if r%50 == 0 {
								for j := 0; j < 20; j++ {
									_, _ = s.Spawn(func(me *tasklet.Tasklet) { _ = me.Schedule() })
								}
							}
							if i == 0 {
								if err := out.Send(m, r); err != nil {
									errs[i] = err
									return
								}
								if _, err := in.Receive(m); err != nil {
									errs[i] = err
									return
								}
							} else {
								v, err := in.Receive(m)
								if err != nil {
									errs[i] = err
									return
								}
								if err := out.Send(m, v); err != nil {
									errs[i] = err
									return
								}
							}
						}
						_, _ = s.Run()
					}()
				}
				made.Wait()
				close(goCh)
				wg.Wait()
				for i := 0; i < k; i++ {
					assert.NoError(t, errs[i], "scheduler %d", i)
				}
			})
		})
	}
}
