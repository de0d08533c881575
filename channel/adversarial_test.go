package channel_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
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

// Adversarial tests (issue 13 follow-up). Each is named TestAdversarial....

var errAdvStop = errors.New("stop")

// SPEC 2 (a completed transfer stands) and 4: producers and consumers on
// three schedulers, killed and thrown into at random from a plain goroutine.
// Every value whose Send returned nil is received exactly once (by a
// Receive that returned nil, or drained from the buffer at the end), and
// every tasklet that started runs its deferred calls exactly once.

func TestAdversarialNoValueLostUnderKills(t *testing.T) {
	for _, size := range []int{0, 2} {
		for round := 0; round < 20; round++ {
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
				for i := 0; i < nSched; i++ {
					<-ready
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
				require.Equal(t, sent, recv, "size %d round %d", size, round)
				for _, tk := range victims {
					require.Equal(t, started[tk.ID()], deferred[tk.ID()], "%v deferred", tk)
					require.Equal(t, tasklet.Dead, tk.State())
				}
			}()
		}
	}
}

// SPEC 3: main receives from a sender that panics right after the send.
// The receive completed, so it returns the value; the panic is delivered to
// main's next call (not lost, not returned instead of the value).
func TestAdversarialReceiveThenSenderPanics(t *testing.T) {
	for _, pref := range []int{-1, 0, 1} {
		t.Run(fmt.Sprintf("pref%d", pref), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s, err := scheduler.New()
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Close()) }()
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(pref))
			main := s.Main()
			var log []string
			_, err = s.Spawn(func(tk *tasklet.Tasklet) {
				log = append(log, fmt.Sprintf("A sent %v", ch.Send(tk, 5)))
				panic(errAdvStop)
			})
			require.NoError(t, err)
			v, err := ch.Receive(main)
			log = append(log, fmt.Sprintf("main got %v %v", v, err))
			err = main.Schedule()
			var pe *tasklet.PanicError
			require.ErrorAs(t, err, &pe)
			require.ErrorIs(t, err, errAdvStop)
			require.NoError(t, main.Schedule())
			want := []string{"A sent <nil>", "main got 5 <nil>"}
			if pref == -1 {
				want = []string{"main got 5 <nil>", "A sent <nil>"}
			}
			assert.Equal(t, want, log)
		})
	}
}
