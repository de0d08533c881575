package channel_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: a tasklet blocked in a context form (or a plain Receive) is
// adopted by another scheduler, then its wait is cut (ctx cancelled, the
// channel closed) or it is killed. Adopt: "A blocked tasklet stays blocked
// and is woken on s". It must wake, on s2, with the cut's error, or unwind.
//
// Passing: TestAdv2AdoptedWaiterCut. FAILS: TestAdv2AdoptedSelectCloseThenKill
// (ReceiveContext and Select, closed then killed after the move: the kill is
// lost, as in TestAdv2KillAfterCloseWokeSelect, now on the adopting scheduler).
func TestAdv2AdoptedWaiterCut(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2Adopted(t, false)
}

func TestAdv2AdoptedSelectCloseThenKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2Adopted(t, true)
}

func adv2Adopted(t *testing.T, failing bool) {
	cuts := []string{"cancel", "close", "kill", "close+kill"}
	waits := []string{"ReceiveContext", "Select", "Receive", "ReceiveTimeout"}
	for _, w := range waits {
		for _, cut := range cuts {
			if w == "Receive" && cut == "cancel" || w == "ReceiveTimeout" && cut == "cancel" {
				continue
			}
			if failing != (cut == "close+kill" && (w == "ReceiveContext" || w == "Select")) {
				continue
			}
			t.Run(w+"/"+cut, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s1 := newSched(t)
				defer closeSched(t, s1)
				ch := channel.New[int]()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var rec recorder
				var s2 *scheduler.Scheduler
				v := spawn(t, s1, "v", func(v *tasklet.Tasklet) {
					defer func() { rec.Add("v defer kill=%v on-s2=%v", tasklet.IsKill(recover()), scheduler.Of(v) == s2) }()
					var err error
					switch w {
					case "ReceiveContext":
						_, err = ch.ReceiveContext(ctx, v)
					case "Select":
						_, err = channel.Select(v, channel.Recv(ch), channel.Done(ctx))
					case "Receive":
						_, err = ch.Receive(v)
					case "ReceiveTimeout":
						_, err = ch.ReceiveTimeout(v, time.Hour)
					}
					rec.Add("v wait %s on-s2=%v", adv2Err(err), scheduler.Of(v) == s2)
				})
				_, err := s1.Run()
				require.NoError(t, err)
				require.True(t, v.Blocked())
				ready := make(chan *scheduler.Scheduler)
				adopted := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					s, err := scheduler.New()
					if !assert.NoError(t, err) {
						close(ready)
						return
					}
					defer func() { assert.NoError(t, s.Close()) }()
					_, err = s.Run()
					assert.NoError(t, err)
					w, _ := s.Waker()
					ready <- s
					<-adopted
					w.Release()
					_, err = s.Run(scheduler.ThreadBlock())
					assert.NoError(t, err)
				}()
				s2 = <-ready
				require.NotNil(t, s2)
				require.NoError(t, s2.Adopt(v))
				switch cut {
				case "cancel":
					cancel()
				case "close":
					require.NoError(t, ch.Close(nil))
				case "kill":
					require.NoError(t, v.Kill())
				case "close+kill":
					require.NoError(t, ch.Close(nil))
					require.NoError(t, v.Kill())
				}
				close(adopted)
				<-done
				assert.False(t, v.Alive())
				var want []string
				switch cut {
				case "cancel":
					want = []string{"v wait context canceled on-s2=true", "v defer kill=false on-s2=true"}
				case "close":
					want = []string{"v wait channel: closed on-s2=true", "v defer kill=false on-s2=true"}
				default:
					want = []string{"v defer kill=true on-s2=true"}
				}
				assert.Equal(t, want, rec.Log(), fmt.Sprint(w, cut))
			})
		}
	}
}
