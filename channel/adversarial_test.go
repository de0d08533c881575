package channel_test

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errAdvStop = errors.New("stop")

func TestAdvProbeValueConservationUnderKills(t *testing.T) {
	for _, size := range []int{0, 2} {
		for round := 0; round < 60; round++ {
			func() {
				defer goleak.VerifyNone(t)
				var ch *channel.Channel[int]
				if size == 0 {
					ch = channel.New[int]()
				} else {
					ch, _ = channel.NewBuffered[int](size)
				}
				var mu sync.Mutex
				sent := map[int]int{}
				recv := map[int]int{}
				deferred := map[uint64]int{}
				started := map[uint64]int{}
				var all []*tasklet.Tasklet
				var allMu sync.Mutex
				const nSched, perSched, K = 3, 4, 30
				ready := make(chan *scheduler.Scheduler, nSched)
				finished := make(chan struct{}, nSched)
				drained := make(chan struct{})
				var wg sync.WaitGroup
				for si := 0; si < nSched; si++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						s, err := scheduler.New()
						if err != nil {
							t.Error(err)
							return
						}
						var mine []*tasklet.Tasklet
						for w := 0; w < perSched; w++ {
							prod := (si+w)%2 == 0
							id := (si*perSched + w) * 1000
							tk, _ := s.Spawn(func(tk *tasklet.Tasklet) {
								mu.Lock()
								started[tk.ID()]++
								mu.Unlock()
								defer func() {
									mu.Lock()
									deferred[tk.ID()]++
									mu.Unlock()
								}()
								for i := 0; ; i++ {
									if prod {
										if i == K {
											return
										}
										if err := ch.Send(tk, id+i); err != nil {
											return
										}
										mu.Lock()
										sent[id+i]++
										mu.Unlock()
									} else {
										v, err := ch.ReceiveTimeout(tk, 20*time.Millisecond)
										if err != nil {
											return
										}
										mu.Lock()
										recv[v]++
										mu.Unlock()
									}
									if i%3 == 0 {
										if tk.Schedule() != nil {
											return
										}
									}
								}
							})
							mine = append(mine, tk)
						}
						allMu.Lock()
						all = append(all, mine...)
						allMu.Unlock()
						ready <- s
						for {
							if _, err := s.Run(scheduler.ThreadBlock()); err != nil && !errors.Is(err, errAdvStop) {
								t.Error(err)
							}
							alive := false
							for _, tk := range mine {
								if tk.Alive() {
									alive = true
								}
							}
							if !alive {
								break
							}
							time.Sleep(time.Millisecond)
						}
						finished <- struct{}{}
						<-drained
						if err := s.Close(); err != nil {
							t.Error(err)
						}
					}()
				}
				var ss []*scheduler.Scheduler
				for i := 0; i < nSched; i++ {
					ss = append(ss, <-ready)
				}
				rng := rand.New(rand.NewPCG(uint64(round), 7))
				allMu.Lock()
				victims := append([]*tasklet.Tasklet(nil), all...)
				allMu.Unlock()
				for i := 0; i < 6; i++ {
					time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
					v := victims[rng.IntN(len(victims))]
					if rng.IntN(2) == 0 {
						_ = v.Kill()
					} else {
						_ = v.Throw(errAdvStop)
					}
				}
				for i := 0; i < nSched; i++ {
					<-finished
				}
				// drain what is buffered, on a scheduler of our own
				s, err := scheduler.New()
				require.NoError(t, err)
				for ch.Len() > 0 {
					v, err := ch.Receive(s.Main())
					require.NoError(t, err)
					recv[v]++
				}
				require.NoError(t, s.Close())
				close(drained)
				wg.Wait()
				_ = ss
				require.Equal(t, sent, recv, "size %d round %d", size, round)
				for _, tk := range victims {
					require.Equal(t, started[tk.ID()], deferred[tk.ID()], "%v deferred", tk)
					require.Equal(t, tasklet.Dead, tk.State())
				}
			}()
		}
	}
}

func TestAdvProbeMainReceivesThenSenderPanics(t *testing.T) {
	for _, pref := range []int{-1, 0, 1} {
		func() {
			defer goleak.VerifyNone(t)
			s, _ := scheduler.New()
			defer s.Close()
			var log []string
			ch := channel.New[int]()
			_ = ch.SetPreference(pref)
			main := s.Main()
			_, _ = s.Spawn(func(tk *tasklet.Tasklet) {
				err := ch.Send(tk, 5)
				log = append(log, "A sent "+errString(err))
				panic(errAdvStop)
			})
			v, err := ch.Receive(main)
			log = append(log, "main got "+errString(err), string(rune('0'+v)))
			err = main.Schedule()
			log = append(log, "main sched "+errString(err))
			err = main.Schedule()
			log = append(log, "main sched2 "+errString(err))
			t.Log(pref, log)
		}()
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
