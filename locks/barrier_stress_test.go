package locks_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/atomic"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

// TestBarrierStressRounds (issue 13, item 13): 8 tasklets on 4 schedulers
// pass a barrier of 3 parties in a loop, with short timeouts (a broken
// barrier is Reset by whoever finds it broken); with chaos, a tasklet also
// throws into and kills random parties from another scheduler. The action
// records each round's parties (locks.BarrierRound plus the last arriver).
// Asserted: every complete round has exactly 3 distinct parties with the
// distinct indexes 0, 1, 2; every successful Wait belongs to a recorded round with
// the index it returned; with timeouts only, every party of every complete
// round returns its index (nothing is counted twice or dropped).
func TestBarrierStressRounds(t *testing.T) {
	for _, chaos := range []bool{false, true} {
		t.Run(fmt.Sprintf("chaos=%v", chaos), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			const nsched, nparties, ntasklets = 4, 3, 8
			dur := schedtest.SoakDuration(t, 500*time.Millisecond)

			type member struct{ round, index int }  // a tasklet's view
			type party struct{ tasklet, index int } // a round's view
			var mu sync.Mutex
			var rounds [][]party                       // per round: (tasklet number, index)
			roundOf := map[*tasklet.Tasklet]int{}      // the last round each tasklet was a party of
			num := map[*tasklet.Tasklet]int{}          // tasklet -> its number
			successes := make([][]member, ntasklets)   // per tasklet: (round, index) of each success
			memberships := make([][]member, ntasklets) // per tasklet: (round, index) in each round
			var b *locks.Barrier
			b, err := locks.NewBarrier(nparties, func(last *tasklet.Tasklet) error {
				ts, idx := locks.BarrierRound(b)
				ts = append(ts, last)
				idx = append(idx, nparties-1)
				mu.Lock()
				defer mu.Unlock()
				r := len(rounds)
				var round []party
				for i, tk := range ts {
					n, ok := num[tk]
					if !assert.True(t, ok, "a party of round %d is not one of ours", r) {
						continue
					}
					round = append(round, party{n, idx[i]})
					memberships[n] = append(memberships[n], member{r, idx[i]})
					roundOf[tk] = r
				}
				rounds = append(rounds, round)
				return nil
			}, -1)
			require.NoError(t, err)

			var stop, done atomic.Int64
			deadline := time.Now().Add(dur)
			var all []*tasklet.Tasklet
			body := func(n int) func(*tasklet.Tasklet) {
				return func(tk *tasklet.Tasklet) {
					defer done.Inc()
					mu.Lock()
					num[tk] = n
					all = append(all, tk)
					mu.Unlock()
					rng := rand.New(rand.NewPCG(uint64(n), 13))
					for time.Now().Before(deadline) {
						d := time.Duration(50+rng.IntN(1500)) * time.Microsecond
						i, err := b.WaitTimeout(tk, d)
						switch {
						case err == nil:
							mu.Lock()
							successes[n] = append(successes[n], member{roundOf[tk], i})
							mu.Unlock()
						case errors.Is(err, locks.ErrBrokenBarrier):
							if rng.IntN(2) == 0 {
								b.Reset(tk)
							}
							_ = tk.Sleep(time.Duration(rng.IntN(100)) * time.Microsecond)
						}
						// any other error: a throw; go on
					}
				}
			}
			bodies := make([]func(*tasklet.Tasklet), 0, ntasklets+1)
			for n := range ntasklets {
				bodies = append(bodies, body(n))
			}
			var kills, throws atomic.Int64
			if chaos {
				bodies = append(bodies, func(tk *tasklet.Tasklet) {
					rng := rand.New(rand.NewPCG(99, 13))
					for done.Load() < ntasklets && stop.Load() == 0 {
						_ = tk.Sleep(time.Duration(100+rng.IntN(400)) * time.Microsecond)
						mu.Lock()
						var v *tasklet.Tasklet
						if len(all) > 0 {
							v = all[rng.IntN(len(all))]
						}
						mu.Unlock()
						if v == nil || scheduler.Of(v) == scheduler.Of(tk) {
							continue
						}
						if rng.IntN(8) == 0 && kills.Load() < 2 {
							if v.Kill() == nil && v.State() != tasklet.Dead {
								kills.Inc()
							}
						} else if v.Throw(errWokenStop) == nil {
							throws.Inc()
						}
					}
				})
			}
			spread(t, nsched, bodies...)
			stop.Store(1)

			mu.Lock()
			defer mu.Unlock()
			require.NotEmpty(t, rounds, "some rounds completed")
			// A round whose action ran can still end broken: a Reset (made
			// by a party that found the barrier broken) that lands while the
			// action runs breaks the round, as in Python, and then its last
			// arriver fails too. A round is complete when its last arriver
			// (index parties-1) returned its index.
			complete := map[int]bool{}
			for n := range ntasklets {
				for _, s := range successes[n] {
					if s.index == nparties-1 {
						complete[s.round] = true
					}
				}
			}
			for r, round := range rounds {
				if !complete[r] {
					continue // a Reset broke it while its action ran: it may have read a round already ended
				}
				var idx []int
				seen := map[int]bool{}
				for _, m := range round {
					idx = append(idx, m.index)
					assert.False(t, seen[m.tasklet], "round %d: a tasklet twice", r)
					seen[m.tasklet] = true
				}
				sort.Ints(idx)
				assert.Equal(t, []int{0, 1, 2}, idx, "round %d: arrivals and indexes", r)
			}
			for n := range ntasklets {
				// Each success is the party's next round, at its index; a
				// party may miss the return of a complete round only if
				// chaos threw into it or killed it after the round tripped.
				j := 0
				for _, s := range successes[n] {
					for j < len(memberships[n]) && memberships[n][j].round != s.round {
						r := memberships[n][j].round
						assert.True(t, chaos || !complete[r], "t%d: round %d of its membership returned nothing", n, r)
						j++
					}
					if !assert.Less(t, j, len(memberships[n]), "t%d: success %v in no round", n, s) {
						break
					}
					assert.Equal(t, memberships[n][j].index, s.index, "t%d: index in round %d", n, s.round)
					j++
				}
				if !chaos {
					inComplete := 0
					for _, m := range memberships[n] {
						if complete[m.round] {
							inComplete++
						}
					}
					assert.Equal(t, inComplete, len(successes[n]), "t%d: every complete round it was a party of returned", n)
				}
			}
			t.Logf("%d rounds; chaos: %d throws, %d kills", len(rounds), throws.Load(), kills.Load())
		})
	}
}
