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

// A throw or kill from a plain goroutine into a tasklet sleeping alone
// (the scheduler idles inside its coroutine): Throw's doc: "a blocked
// tasklet leaves its wait queue and its call returns err"; SPEC 2: never
// dropped. The goroutine throws at various points of A's sleep (before,
// around and after its deadline).
func TestAdv4ThrowIntoLoneSleeper(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name        string
		sleep, wait time.Duration
		peer        bool
	}{
		{"sleep20ms-throw-at-2ms", 20 * time.Millisecond, 2 * time.Millisecond, false},
		{"sleep2ms-throw-at-2ms", 2 * time.Millisecond, 2 * time.Millisecond, false},
		{"sleep1ms-throw-at-3ms", time.Millisecond, 3 * time.Millisecond, false},
		{"sleep20ms-throw-at-2ms-peer", 20 * time.Millisecond, 2 * time.Millisecond, true},
		{"sleep1ms-throw-at-3ms-peer", time.Millisecond, 3 * time.Millisecond, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			const rounds = 20
			lost := 0
			for r := 0; r < rounds; r++ {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					s, err := scheduler.New()
					if !assert.NoError(t, err) {
						return
					}
					defer func() { assert.NoError(t, s.Close()) }()
					_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
						thrown := make(chan error, 1)
						require.NoError(t, scheduler.Of(me).Go(func() {
							time.Sleep(c.wait)
							thrown <- me.Throw(adv4ErrA)
						}))
						e1 := me.Sleep(c.sleep)
						if e1 == nil {
							<-thrown
							e1 = me.Sleep(0) // the throw, if it is still pending
						}
						log.Add("A got %v", e1)
					})
					require.NoError(t, err)
					if c.peer {
						_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) { _ = me.Sleep(c.sleep + c.wait + 20*time.Millisecond) })
						require.NoError(t, err)
					}
					_, err = s.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
				})
				if ev := log.Log(); !assert.Equal(t, []string{"A got adv4 A"}, ev) {
					lost++
				}
			}
			assert.Zero(t, lost, "throws dropped in %d of %d rounds", lost, rounds)
		})
	}
}
