package scheduler_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// SPEC 2: "A kill is never lost": a plain goroutine kills A while A keeps
// killing itself (recovering) and throwing into itself. The foreign kill
// must end A at a switch point; the self kills A recovers must never
// swallow it.
func TestAdv4RaceForeignKillVsSelfKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, yield := range []string{"sleep0", "schedule", "schedule-with-peer"} {
		t.Run(yield, func(t *testing.T) {
			const rounds = 300
			var lost, defers, badSelf atomic.Int64
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				for r := 0; r < rounds; r++ {
					started := make(chan struct{})
					a, err := s.Spawn(func(me *tasklet.Tasklet) {
						defer defers.Add(1)
						close(started)
						for i := 0; i < 200000; i++ {
							if w := schedtest.Panicked(func() { _ = me.Kill() }); w != "kill" {
								badSelf.Add(1)
							}
							if err := me.Throw(adv4ErrA); !errors.Is(err, adv4ErrA) {
								badSelf.Add(1)
							}
							switch yield {
							case "sleep0":
								_ = me.Sleep(0)
							default:
								_ = me.Schedule()
							}
						}
						lost.Add(1)
					})
					require.NoError(t, err)
					if yield == "schedule-with-peer" {
						_, err = s.Spawn(func(me *tasklet.Tasklet) {
							for a.Alive() || a.State() == tasklet.New {
								if me.Schedule() != nil {
									return
								}
							}
						})
						require.NoError(t, err)
					}
					go func() {
						<-started
						for i := 0; i < r%7; i++ {
							runtime.Gosched()
						}
						_ = a.Kill()
					}()
					_, err = s.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
					require.False(t, a.Alive())
				}
			})
			assert.Equal(t, int64(0), lost.Load(), "kills lost")
			assert.Equal(t, int64(rounds), defers.Load())
			assert.Equal(t, int64(0), badSelf.Load())
		})
	}
}

// SPEC 2: "a throw is never dropped": a plain goroutine throws n errors
// into A (retrying on ErrThrowPending) while A yields in a loop (Sleep(0),
// Sleep(1us), Schedule) and, in the modes without /noself, throws into
// itself between its yields. Every throw the goroutine got nil for must reach A exactly
// once, from a yielding call, never from A's self Throw.
func TestAdv4RaceForeignThrowVsSelfThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, mode := range []string{"sleep0", "schedule", "sleep1us", "sleep0-with-peer", "sleep0/noself", "sleep1us/noself", "schedule/noself"} {
		yield, noSelf := strings.CutSuffix(mode, "/noself")
		t.Run(mode, func(t *testing.T) {
			// Each throw waits for a cross-thread hand-off, tens of
			// microseconds, or milliseconds on a loaded machine: 150 throws,
			// each after a varying number of the thrower's yields so that
			// they land at different points of A's loop, keep the default
			// and -race runs short; STACKLESS_SOAK asks for 3000.
			n := 150
			if os.Getenv("STACKLESS_SOAK") != "" {
				n = 3000
			}
			var sent, got, stray, pendingSeen atomic.Int64
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				var fin atomic.Bool
				started := make(chan struct{})
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					close(started)
					for {
						last := fin.Load()
						if noSelf {
						} else if err := me.Throw(adv4ErrB); !errors.Is(err, adv4ErrB) || errors.Is(err, adv4ErrA) {
							stray.Add(1)
						}
						var err error
						switch yield {
						case "sleep0", "sleep0-with-peer":
							err = me.Sleep(0)
						case "sleep1us":
							err = me.Sleep(time.Microsecond)
						default:
							err = me.Schedule()
						}
						switch {
						case err == nil:
						case errors.Is(err, adv4ErrA):
							got.Add(1)
						default:
							stray.Add(1)
						}
						if last {
							return
						}
					}
				})
				require.NoError(t, err)
				if yield == "sleep0-with-peer" {
					_, err = s.Spawn(func(me *tasklet.Tasklet) {
						for a.Alive() {
							if me.Schedule() != nil {
								return
							}
						}
					})
					require.NoError(t, err)
				}
				go func() {
					<-started
					for i := 0; i < n; i++ {
						for k := 0; k < i%5; k++ {
							runtime.Gosched()
						}
						thrown := fmt.Errorf("%w %d", adv4ErrA, i)
						for {
							err := a.Throw(thrown)
							if err == nil {
								sent.Add(1)
								break
							}
							if !errors.Is(err, tasklet.ErrThrowPending) {
								stray.Add(1)
								break
							}
							pendingSeen.Add(1)
							runtime.Gosched()
						}
					}
					fin.Store(true)
				}()
				_, err = s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
			})
			assert.Equal(t, int64(n), sent.Load())
			assert.Equal(t, sent.Load(), got.Load(), "throws delivered")
			assert.Equal(t, int64(0), stray.Load())
		})
	}
}
